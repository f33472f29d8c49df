import type { ActivePolicyVersion, Rollout } from './rollout.js';
import {
  checkActivatePolicyVersionRequest,
  checkAdvanceRolloutRequest,
  checkListRolloutsOptions,
  checkRolloutTransitionRequest,
  checkStartRolloutRequest,
  type AdvanceRolloutRequest,
  type RolloutState,
  type RolloutStore,
  type RolloutTransitionResult,
} from './rollout-store.js';
import { planActivate, planStart, planTransition, type RolloutPlan, type RolloutSnapshot, type RolloutWrite } from './rollout-transitions.js';

/**
 * Rollouts and the active version in this process only: for tests and a single process without
 * a database. Everything is copied in and out; no method awaits between its read and its write,
 * so each transition is atomic within the process.
 */
export function createMemoryRolloutStore(): RolloutStore {
  let version = 0;
  let active: ActivePolicyVersion | undefined;
  const rollouts = new Map<string, Rollout>();

  function snapshot(): RolloutSnapshot {
    const running = [...rollouts.values()].find((rollout) => rollout.status === 'running');
    const read: RolloutSnapshot = { version };
    if (active !== undefined) read.active = structuredClone(active);
    if (running !== undefined) read.running = structuredClone(running);
    return read;
  }

  function apply<Result>(plan: RolloutPlan<Result>): Result {
    if (plan.kind === 'write') write(plan.write);
    return structuredClone(plan.result);
  }

  function write(change: RolloutWrite): void {
    version = change.version;
    if (change.rollout !== undefined) rollouts.set(change.rollout.record.id, structuredClone(change.rollout.record));
    if (change.active !== undefined) active = structuredClone(change.active);
  }

  function transition(kind: 'advance' | 'complete' | 'roll_back' | 'abort', request: AdvanceRolloutRequest): RolloutTransitionResult {
    const target = rollouts.get(request.rolloutId);
    return apply(planTransition(snapshot(), { target: target === undefined ? undefined : structuredClone(target), kind, request }));
  }

  return {
    async state(): Promise<RolloutState> {
      const { running, ...rest } = snapshot();
      return running === undefined ? rest : { ...rest, rollout: running };
    },

    async current() {
      return snapshot().running;
    },

    async activeVersion() {
      return snapshot().active;
    },

    async get(id) {
      const rollout = rollouts.get(id);
      return rollout === undefined ? undefined : structuredClone(rollout);
    },

    async list(options) {
      checkListRolloutsOptions(options);
      return [...rollouts.values()]
        .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .slice(0, options.limit)
        .map((rollout) => structuredClone(rollout));
    },

    async start(request) {
      checkStartRolloutRequest(request);
      return apply(planStart(snapshot(), { idTaken: rollouts.has(request.id), request }));
    },

    async advance(request) {
      checkAdvanceRolloutRequest(request);
      return transition('advance', request);
    },

    async complete(request) {
      checkRolloutTransitionRequest(request);
      return transition('complete', request);
    },

    async rollBack(request) {
      checkRolloutTransitionRequest(request, { reasonRequired: true });
      return transition('roll_back', request);
    },

    async abort(request) {
      checkRolloutTransitionRequest(request);
      return transition('abort', request);
    },

    async activate(request) {
      checkActivatePolicyVersionRequest(request);
      return apply(planActivate(snapshot(), request));
    },
  };
}
