import { describe, expect, it } from 'vitest';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import { createMemoryPolicyVersionStore } from '../../ops/rollouts/memory-policy-version-store.js';
import { createMemoryRolloutStore } from '../../ops/rollouts/memory-rollout-store.js';
import { createMemoryShadowStore } from '../../ops/rollouts/memory-shadow-store.js';
import { newRolloutId, type RolloutMode } from '../../ops/rollouts/rollout.js';
import { createPolicySelector } from './policy-selector.js';
import { createRolloutController, type RolloutTransitionReport } from './rollout-controller.js';
import { createRolloutObserver } from './rollout-observer.js';

/** Engines are not exercised here: the controller only reads health and the schedule. */
const engine = { policy: { name: 'stub', detectors: [] } } as unknown as GuardEngine;
const minute = 60_000;

async function setup(options: { mode: RolloutMode; stages: number[] }) {
  let time = Date.UTC(2030, 0, 1);
  const now = () => new Date(time);
  const versions = createMemoryPolicyVersionStore();
  const rollouts = createMemoryRolloutStore();
  const baseline = (await versions.push({ text: 'version: 1\nname: a\n', name: 'a', pushedBy: 'test', now: now() })).version.hash;
  const candidate = (await versions.push({ text: 'version: 1\nname: b\n', name: 'b', pushedBy: 'test', now: now() })).version.hash;
  await rollouts.activate({ hash: baseline, by: 'test', now: now() });
  const started = await rollouts.start({ id: newRolloutId(), candidate, stages: options.stages, bucketBy: 'key', mode: options.mode, schedule: { everyMinutes: 1 }, by: 'test', now: now() });
  if (started.state !== 'started') throw new Error(started.state);
  const selector = await createPolicySelector({ versions, rollouts, compile: () => engine, initial: { version: baseline, engine }, refreshMs: 60_000, onError: () => {} });
  const observer = createRolloutObserver({ shadow: createMemoryShadowStore(), contentMode: 'none', healthOptions: { now: () => time }, onError: () => {} });
  const reports: RolloutTransitionReport[] = [];
  const controller = createRolloutController({ selector, rollouts, observer, thresholds: { minSamples: 50, maxBlockRateIncreasePoints: 10 }, everyMs: 60 * minute, now, onTransition: async (report) => void reports.push(report), onError: () => {} });
  const serve = (arm: 'active' | 'candidate', count: number, blocked = false) => {
    for (let index = 0; index < count; index += 1) observer.health(started.rollout.id).record({ arm, blocked, detectorError: false, detectorLatencyMs: 1 });
  };
  return {
    rolloutId: started.rollout.id,
    rollouts,
    controller,
    reports,
    serve,
    advance: (ms: number) => {
      time += ms;
    },
    close: async () => {
      await controller.close();
      selector.close();
    },
  };
}

describe('rollout controller', () => {
  it('takes a scheduled step only once the candidate has served min_samples requests', async () => {
    const context = await setup({ mode: 'enforce', stages: [10, 50] });
    context.advance(2 * minute);
    expect(await context.controller.tick()).toBeUndefined();
    expect((await context.rollouts.get(context.rolloutId))?.percent).toBe(10);
    context.serve('candidate', 50);
    context.serve('active', 50);
    expect(await context.controller.tick()).toMatchObject({ kind: 'advance' });
    expect((await context.rollouts.get(context.rolloutId))?.percent).toBe(50);
    await context.close();
  });

  it('never completes a shadow rollout by its schedule', async () => {
    const context = await setup({ mode: 'shadow', stages: [100] });
    context.advance(2 * minute);
    context.serve('candidate', 60);
    context.serve('active', 60);
    expect(await context.controller.tick()).toBeUndefined();
    expect((await context.rollouts.get(context.rolloutId))?.status).toBe('running');
    await context.close();
  });

  it('rolls back on a regression, once, with the check that triggered it', async () => {
    const context = await setup({ mode: 'enforce', stages: [50, 100] });
    context.serve('active', 60);
    context.serve('candidate', 60, true);
    const report = await context.controller.tick();
    expect(report).toMatchObject({ kind: 'roll_back', rollout: { status: 'rolled_back', percent: 0 } });
    expect(report?.reason).toMatch(/^automatic roll-back: candidate block rate 100\.0 % vs 0\.0 % active/);
    expect(await context.controller.tick()).toBeUndefined();
    expect(context.reports).toHaveLength(1);
    await context.close();
  });
});
