/**
 * The rules of every rollout-store transition, in one place for all backends. A backend reads a
 * snapshot inside its transaction (holding the lock that serialises transitions), asks the plan
 * here, and either returns the refusal or writes what the plan says (the state row, the rollout,
 * its new change) before committing. So the backends differ in storage only, never in rules.
 */
import { nextStagePercent, type ActivePolicyVersion, type Rollout, type RolloutChange, type RolloutChangeKind } from './rollout.js';
import type {
  ActivatePolicyVersionRequest,
  ActivatePolicyVersionResult,
  AdvanceRolloutRequest,
  RolloutTransitionResult,
  StartRolloutRequest,
  StartRolloutResult,
} from './rollout-store.js';

/** What a transition reads, as of the moment it holds the lock. */
export interface RolloutSnapshot {
  version: number;
  active?: ActivePolicyVersion;
  running?: Rollout;
}

/** What to write, all or nothing. */
export interface RolloutWrite {
  /** The store's new version: the snapshot's plus one. */
  version: number;
  /** The rollout as it is after the transition; `change` is its last history entry, to append. */
  rollout?: { record: Rollout; change: RolloutChange; isNew: boolean };
  /** The new active-version pointer, when the transition moves it. */
  active?: ActivePolicyVersion;
}

export type RolloutPlan<Result> = { kind: 'refuse'; result: Result } | { kind: 'write'; write: RolloutWrite; result: Result };

export function planStart(snapshot: RolloutSnapshot, options: { idTaken: boolean; request: StartRolloutRequest }): RolloutPlan<StartRolloutResult> {
  const { request } = options;
  if (snapshot.running !== undefined) return refuse({ state: 'already_running', rollout: snapshot.running });
  if (snapshot.active === undefined) return refuse({ state: 'no_active_version' });
  if (snapshot.active.hash === request.candidate) return refuse({ state: 'candidate_is_active', active: snapshot.active });
  if (options.idTaken) return refuse({ state: 'exists' });
  if (request.ifVersion !== undefined && request.ifVersion !== snapshot.version) return refuse({ state: 'version_mismatch', version: snapshot.version });
  const version = snapshot.version + 1;
  const percent = request.stages[0] as number;
  const change = newChange({ version, kind: 'start', fromPercent: 0, toPercent: percent, request });
  const rollout: Rollout = {
    id: request.id,
    candidate: request.candidate,
    baseline: snapshot.active.hash,
    percent,
    stages: [...request.stages],
    bucketBy: request.bucketBy,
    mode: request.mode,
    status: 'running',
    startedAt: new Date(request.now.getTime()),
    startedBy: request.by,
    version,
    history: [change],
  };
  if (request.schedule !== undefined) rollout.schedule = { everyMinutes: request.schedule.everyMinutes };
  return { kind: 'write', write: { version, rollout: { record: rollout, change, isNew: true } }, result: { state: 'started', rollout } };
}

export function planTransition(
  snapshot: RolloutSnapshot,
  options: {
    /** The rollout the request names, as stored. */
    target: Rollout | undefined;
    kind: Exclude<RolloutChangeKind, 'start'>;
    request: AdvanceRolloutRequest;
  },
): RolloutPlan<RolloutTransitionResult> {
  const { target, kind, request } = options;
  if (target === undefined) return refuse({ state: 'not_found' });
  if (target.status !== 'running') return refuse({ state: 'not_running', rollout: target });
  if (request.ifVersion !== undefined && request.ifVersion !== snapshot.version) return refuse({ state: 'version_mismatch', version: snapshot.version });
  const version = snapshot.version + 1;
  const rollout = structuredClone(target);
  let toPercent: number;
  let active: ActivePolicyVersion | undefined;
  if (kind === 'advance') {
    const to = request.to ?? nextStagePercent(target);
    if (to === undefined || to <= target.percent) return refuse({ state: 'not_forward', rollout: target });
    toPercent = to;
  } else {
    toPercent = kind === 'complete' ? 100 : 0;
    rollout.status = kind === 'complete' ? 'completed' : kind === 'roll_back' ? 'rolled_back' : 'aborted';
    rollout.endedAt = new Date(request.now.getTime());
    if (kind === 'complete') active = { hash: target.candidate, activatedAt: new Date(request.now.getTime()), activatedBy: request.by, rolloutId: target.id, version };
  }
  const change = newChange({ version, kind, fromPercent: target.percent, toPercent, request });
  rollout.percent = toPercent;
  rollout.version = version;
  rollout.history.push(change);
  const write: RolloutWrite = { version, rollout: { record: rollout, change, isNew: false } };
  if (active !== undefined) write.active = active;
  return { kind: 'write', write, result: { state: 'changed', rollout: structuredClone(rollout) } };
}

export function planActivate(snapshot: RolloutSnapshot, request: ActivatePolicyVersionRequest): RolloutPlan<ActivatePolicyVersionResult> {
  if (snapshot.running !== undefined) return refuse({ state: 'rollout_running', rollout: snapshot.running });
  if (snapshot.active?.hash === request.hash) return refuse({ state: 'already_active', active: snapshot.active });
  if (request.ifVersion !== undefined && request.ifVersion !== snapshot.version) return refuse({ state: 'version_mismatch', version: snapshot.version });
  const version = snapshot.version + 1;
  const active: ActivePolicyVersion = { hash: request.hash, activatedAt: new Date(request.now.getTime()), activatedBy: request.by, version };
  return { kind: 'write', write: { version, active }, result: { state: 'activated', active: { ...active, activatedAt: new Date(active.activatedAt.getTime()) } } };
}

function newChange(options: { version: number; kind: RolloutChangeKind; fromPercent: number; toPercent: number; request: { by: string; reason?: string; now: Date } }): RolloutChange {
  const { request } = options;
  const change: RolloutChange = {
    version: options.version,
    kind: options.kind,
    fromPercent: options.fromPercent,
    toPercent: options.toPercent,
    at: new Date(request.now.getTime()),
    by: request.by,
  };
  if (request.reason !== undefined) change.reason = request.reason;
  return change;
}

function refuse<Result>(result: Result): RolloutPlan<Result> {
  return { kind: 'refuse', result };
}
