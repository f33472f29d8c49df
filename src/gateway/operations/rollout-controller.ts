/**
 * The replica-side driver of a running rollout: every `everyMs` it checks the rollout's health on
 * this replica and rolls it back when a threshold is crossed; otherwise it takes the schedule's
 * next step when one is due and the candidate has served `minSamples` requests in the window on
 * this replica (no evidence, no step). A shadow rollout is never completed by its schedule.
 *
 * Every replica runs one, each on its own windows. Transitions carry `ifVersion` (the store
 * version the replica read), so when several replicas decide at once one transition happens and
 * the others get `version_mismatch` and do nothing; the winner reports it (`onTransition`: the
 * composition root audits it, and for a roll-back opens an incident and sends an alert).
 */
import type { RolloutHealthCheck, RolloutHealthThresholds } from '../../ops/rollouts/rollout-health.js';
import { nextScheduledStep, type Rollout } from '../../ops/rollouts/rollout.js';
import type { RolloutStore, RolloutTransitionResult } from '../../ops/rollouts/rollout-store.js';
import type { PolicySelector } from './policy-selector.js';
import type { RolloutObserver } from './rollout-observer.js';

export interface RolloutTransitionReport {
  kind: 'roll_back' | 'advance' | 'complete';
  rollout: Rollout;
  reason: string;
  /** For an automatic roll-back: the check that triggered it. */
  health?: RolloutHealthCheck;
}

export interface RolloutControllerOptions {
  selector: PolicySelector;
  rollouts: RolloutStore;
  observer: RolloutObserver;
  /** Undefined: no automatic roll-back (schedules still run). */
  thresholds?: RolloutHealthThresholds;
  everyMs: number;
  now?: () => Date;
  onTransition: (report: RolloutTransitionReport) => Promise<void>;
  onError: (error: unknown) => void;
}

export interface RolloutController {
  /** One round now (what the timer does); resolves with the transition made, if any. */
  tick(): Promise<RolloutTransitionReport | undefined>;
  close(): Promise<void>;
}

export function createRolloutController(options: RolloutControllerOptions): RolloutController {
  const now = options.now ?? (() => new Date());
  let running: Promise<RolloutTransitionReport | undefined> | undefined;
  let closed = false;

  async function transition(kind: RolloutTransitionReport['kind'], rollout: Rollout, reason: string, call: () => Promise<RolloutTransitionResult>, health?: RolloutHealthCheck): Promise<RolloutTransitionReport | undefined> {
    const result = await call();
    if (result.state !== 'changed') return undefined;
    const report: RolloutTransitionReport = { kind, rollout: result.rollout, reason, ...(health === undefined ? {} : { health }) };
    await options.onTransition(report);
    // Apply it here at once rather than at the next refresh.
    await options.selector.refresh().catch(options.onError);
    return report;
  }

  async function round(): Promise<RolloutTransitionReport | undefined> {
    await options.selector.refresh();
    const rollout = options.selector.rollout;
    if (rollout === undefined || rollout.status !== 'running') return undefined;
    const base = { rolloutId: rollout.id, by: 'system', now: now(), ifVersion: options.selector.version };
    if (options.thresholds !== undefined) {
      const check = options.observer.health(rollout.id).check(options.thresholds);
      if (check.rollBack) {
        const reason = `automatic roll-back: ${check.reasons.map((each) => each.message).join('; ')}`.slice(0, 1_000);
        return transition('roll_back', rollout, reason, () => options.rollouts.rollBack({ ...base, reason }), check);
      }
    }
    const step = nextScheduledStep(rollout);
    if (step === undefined || step.at.getTime() > base.now.getTime()) return undefined;
    // A schedule moves on evidence only: the candidate needs min_samples requests in the window first.
    if (options.thresholds !== undefined && options.observer.health(rollout.id).windows().candidate.requests < options.thresholds.minSamples) return undefined;
    // A shadow rollout never completes by itself: completing enforces a candidate that never enforced anything.
    if (step.kind === 'complete' && rollout.mode === 'shadow') return undefined;
    if (step.kind === 'complete') return transition('complete', rollout, 'scheduled: the last stage ran its time', () => options.rollouts.complete({ ...base, reason: 'scheduled' }));
    return transition('advance', rollout, `scheduled: to ${step.to} %`, () => options.rollouts.advance({ ...base, to: step.to, reason: 'scheduled' }));
  }

  function tick(): Promise<RolloutTransitionReport | undefined> {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (!closed) tick().catch(options.onError);
  }, options.everyMs);
  timer.unref();

  return {
    tick,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
