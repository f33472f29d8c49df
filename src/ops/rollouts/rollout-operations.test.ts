import { describe, expect, it } from 'vitest';
import { createMemoryPolicyVersionStore } from './memory-policy-version-store.js';
import { createMemoryRolloutStore } from './memory-rollout-store.js';
import { newRolloutId, nextScheduledStep } from './rollout.js';
import { activatePolicyVersion, startRollout } from './rollout-operations.js';

const now = new Date('2030-01-01T00:00:00.000Z');
const minutes = (count: number): Date => new Date(now.getTime() + count * 60_000);

describe('rollout operations', () => {
  it('activates and rolls out pushed versions only', async () => {
    const stores = { versions: createMemoryPolicyVersionStore(), rollouts: createMemoryRolloutStore() };
    const baseline = (await stores.versions.push({ text: 'name: base\n', name: 'base', pushedBy: 'admin001', now })).version.hash;
    const candidate = (await stores.versions.push({ text: 'name: next\n', name: 'next', pushedBy: 'admin001', now })).version.hash;
    const unknown = 'f'.repeat(64);

    expect(await activatePolicyVersion(stores, { hash: unknown, by: 'admin001', now })).toEqual({ state: 'unknown_version', hash: unknown });
    expect(await stores.rollouts.activeVersion()).toBeUndefined();
    expect((await activatePolicyVersion(stores, { hash: baseline, by: 'admin001', now })).state).toBe('activated');

    const request = { id: newRolloutId(), stages: [5, 50], bucketBy: 'key', mode: 'enforce', by: 'admin001', now } as const;
    expect(await startRollout(stores, { ...request, candidate: unknown })).toEqual({ state: 'unknown_version', hash: unknown });
    expect(await stores.rollouts.current()).toBeUndefined();
    const started = await startRollout(stores, { ...request, candidate });
    expect(started).toMatchObject({ state: 'started', rollout: { candidate, baseline, percent: 5 } });
  });
});

describe('nextScheduledStep', () => {
  it('plans the next stage every N minutes after the latest change, then completion', async () => {
    const stores = { versions: createMemoryPolicyVersionStore(), rollouts: createMemoryRolloutStore() };
    await stores.rollouts.activate({ hash: 'a'.repeat(64), by: 'admin001', now });
    const id = newRolloutId();
    const started = await stores.rollouts.start({ id, candidate: 'b'.repeat(64), stages: [1, 25], bucketBy: 'tenant', mode: 'shadow', schedule: { everyMinutes: 15 }, by: 'admin001', now });
    if (started.state !== 'started') throw new Error(started.state);
    expect(nextScheduledStep(started.rollout)).toEqual({ kind: 'advance', to: 25, at: minutes(15) });
    const advanced = await stores.rollouts.advance({ rolloutId: id, by: 'scheduler', now: minutes(16), ifVersion: started.rollout.version });
    if (advanced.state !== 'changed') throw new Error(advanced.state);
    expect(nextScheduledStep(advanced.rollout)).toEqual({ kind: 'complete', at: minutes(31) });
    const ended = await stores.rollouts.complete({ rolloutId: id, by: 'scheduler', now: minutes(31) });
    expect(ended.state === 'changed' && nextScheduledStep(ended.rollout)).toBeUndefined();
    expect(nextScheduledStep({ ...started.rollout, schedule: undefined } as never)).toBeUndefined();
  });
});
