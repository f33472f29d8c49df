/**
 * Rollouts and the active policy version: the interface every backend (memory, SQLite,
 * PostgreSQL) implements, checked by one contract suite (`rollout-store-contract.ts`).
 *
 * - At most one rollout runs at a time; `start` is refused while one does.
 * - Every transition (`start`, `advance`, `complete`, `rollBack`, `abort`, `activate`) is atomic
 *   and takes the next store `version`: a single counter, strictly increasing, shared by the
 *   rollouts and the active-version pointer. Replicas propagate changes by reading `state()` and
 *   comparing its `version` with the one they run on (a poll of one small read).
 * - Transitions that could race (a schedule or an auto-rollback on several replicas at once)
 *   take `ifVersion`: the transition happens only if the store is still at that version, so of
 *   two replicas advancing from the same state one wins and the other gets `version_mismatch`.
 * - A rollout's baseline is the active version when it starts, so there must be one: the gateway
 *   activates the version it runs on (`activate`) before the first rollout. `activate` is refused
 *   while a rollout runs, so a running rollout's baseline stays the active version.
 * - The store holds version hashes only; whether a hash names a pushed `PolicyVersion` is checked
 *   by `startRollout` and `activatePolicyVersion` (`rollout-operations.ts`), which callers use.
 */
import {
  checkLimit,
  checkOneOf,
  checkOptionalText,
  checkPolicyHash,
  checkText,
  checkTime,
  MAX_REASON_LENGTH,
  refuse,
} from './check-rollout-arguments.js';
import {
  isRolloutPercent,
  MAX_ROLLOUT_STAGES,
  MAX_SCHEDULE_MINUTES,
  rolloutBucketBys,
  rolloutModes,
  type ActivePolicyVersion,
  type Rollout,
  type RolloutBucketBy,
  type RolloutMode,
  type RolloutSchedule,
} from './rollout.js';

/** What a replica needs to enforce, read at once. */
export interface RolloutState {
  /** The version of the latest transition; 0 before the first. */
  version: number;
  active?: ActivePolicyVersion;
  /** The running rollout, if one is. */
  rollout?: Rollout;
}

export interface StartRolloutRequest {
  /** `newRolloutId()`. */
  id: string;
  /** The version hash to roll out. */
  candidate: string;
  stages: readonly number[];
  bucketBy: RolloutBucketBy;
  mode: RolloutMode;
  schedule?: RolloutSchedule;
  by: string;
  reason?: string;
  now: Date;
  ifVersion?: number;
}

export type StartRolloutResult =
  | { state: 'started'; rollout: Rollout }
  /** Another rollout is running: nothing changed. */
  | { state: 'already_running'; rollout: Rollout }
  /** No version is active, so there is no baseline: activate one first. */
  | { state: 'no_active_version' }
  /** The candidate is the active version already. */
  | { state: 'candidate_is_active'; active: ActivePolicyVersion }
  /** A rollout with this id exists (running or not). */
  | { state: 'exists' }
  | { state: 'version_mismatch'; version: number };

/** `advance`, `complete`, `rollBack` and `abort` name the rollout they mean, so a late command cannot hit a newer rollout. */
interface RolloutTransitionRequest {
  rolloutId: string;
  by: string;
  reason?: string;
  now: Date;
  ifVersion?: number;
}

export interface AdvanceRolloutRequest extends RolloutTransitionRequest {
  /** The percent to go to; absent: the next planned stage. It need not be a planned stage. */
  to?: number;
}

export type CompleteRolloutRequest = RolloutTransitionRequest;
/** A roll-back says why, always: it is what the on-call reads first. */
export type RollBackRolloutRequest = RolloutTransitionRequest & { reason: string };
export type AbortRolloutRequest = RolloutTransitionRequest;

export type RolloutTransitionResult =
  | { state: 'changed'; rollout: Rollout }
  | { state: 'not_found' }
  /** Completed, rolled back or aborted already: nothing changed. */
  | { state: 'not_running'; rollout: Rollout }
  /** `advance` only: no planned stage is left above the current percent, or `to` is not above it. */
  | { state: 'not_forward'; rollout: Rollout }
  | { state: 'version_mismatch'; version: number };

export interface ActivatePolicyVersionRequest {
  hash: string;
  by: string;
  now: Date;
  ifVersion?: number;
}

export type ActivatePolicyVersionResult =
  | { state: 'activated'; active: ActivePolicyVersion }
  /** It is the active version already: nothing changed (the version did not move). */
  | { state: 'already_active'; active: ActivePolicyVersion }
  /** Complete, roll back or abort the running rollout first. */
  | { state: 'rollout_running'; rollout: Rollout }
  | { state: 'version_mismatch'; version: number };

export interface ListRolloutsOptions {
  /** At most this many, 1 to 1,000. */
  limit: number;
}

export interface RolloutStore {
  state(): Promise<RolloutState>;
  /** The running rollout, if one is (`state().rollout`). */
  current(): Promise<Rollout | undefined>;
  /** The active version pointer (`state().active`). */
  activeVersion(): Promise<ActivePolicyVersion | undefined>;
  /** Any rollout, running or ended. */
  get(id: string): Promise<Rollout | undefined>;
  /** Newest first (by `startedAt`, then id, descending), with their histories. */
  list(options: ListRolloutsOptions): Promise<Rollout[]>;
  start(request: StartRolloutRequest): Promise<StartRolloutResult>;
  advance(request: AdvanceRolloutRequest): Promise<RolloutTransitionResult>;
  /** The candidate becomes the active version (`activeVersion().rolloutId` names the rollout). */
  complete(request: CompleteRolloutRequest): Promise<RolloutTransitionResult>;
  /** The baseline stays active; the percent drops to 0. */
  rollBack(request: RollBackRolloutRequest): Promise<RolloutTransitionResult>;
  /** Like `rollBack`, for an operator calling a rollout off rather than a failure. */
  abort(request: AbortRolloutRequest): Promise<RolloutTransitionResult>;
  activate(request: ActivatePolicyVersionRequest): Promise<ActivatePolicyVersionResult>;
}

export const MAX_ROLLOUT_LIST_LIMIT = 1_000;
const STORE = 'rollout store';

export function checkStartRolloutRequest(request: StartRolloutRequest): void {
  checkText(STORE, 'id', request.id);
  checkPolicyHash(STORE, 'candidate', request.candidate);
  checkStages(request.stages);
  checkOneOf(STORE, 'bucketBy', request.bucketBy, rolloutBucketBys);
  checkOneOf(STORE, 'mode', request.mode, rolloutModes);
  if (request.schedule !== undefined) {
    const minutes: unknown = request.schedule?.everyMinutes;
    if (!(typeof minutes === 'number' && Number.isSafeInteger(minutes) && minutes >= 1 && minutes <= MAX_SCHEDULE_MINUTES)) {
      refuse(STORE, 'schedule.everyMinutes', `must be a whole number from 1 to ${MAX_SCHEDULE_MINUTES}`);
    }
  }
  checkTransitionBasics(request);
}

export function checkAdvanceRolloutRequest(request: AdvanceRolloutRequest): void {
  checkText(STORE, 'rolloutId', request.rolloutId);
  if (request.to !== undefined && !isRolloutPercent(request.to)) refuse(STORE, 'to', 'must be a percent from 0 to 100 in steps of 0.01');
  checkTransitionBasics(request);
}

export function checkRolloutTransitionRequest(request: RolloutTransitionRequest, options: { reasonRequired?: boolean } = {}): void {
  checkText(STORE, 'rolloutId', request.rolloutId);
  if (options.reasonRequired === true) checkText(STORE, 'reason', request.reason, MAX_REASON_LENGTH);
  checkTransitionBasics(request);
}

export function checkActivatePolicyVersionRequest(request: ActivatePolicyVersionRequest): void {
  checkPolicyHash(STORE, 'hash', request.hash);
  checkTransitionBasics({ ...request, reason: undefined });
}

export function checkListRolloutsOptions(options: ListRolloutsOptions): void {
  checkLimit(STORE, options.limit, MAX_ROLLOUT_LIST_LIMIT);
}

function checkStages(stages: unknown): void {
  if (!Array.isArray(stages) || stages.length === 0 || stages.length > MAX_ROLLOUT_STAGES) refuse(STORE, 'stages', `must list 1 to ${MAX_ROLLOUT_STAGES} percents`);
  stages.forEach((stage: unknown, index) => {
    if (!isRolloutPercent(stage)) refuse(STORE, `stages[${index}]`, 'must be a percent from 0 to 100 in steps of 0.01');
    if (index > 0 && stage <= (stages[index - 1] as number)) refuse(STORE, `stages[${index}]`, 'must be above the stage before it');
  });
}

function checkTransitionBasics(request: { by: string; reason?: string; now: Date; ifVersion?: number }): void {
  checkText(STORE, 'by', request.by);
  checkOptionalText(STORE, 'reason', request.reason, MAX_REASON_LENGTH);
  checkTime(STORE, 'now', request.now);
  if (request.ifVersion !== undefined && !(Number.isSafeInteger(request.ifVersion) && request.ifVersion >= 0)) refuse(STORE, 'ifVersion', 'must be a whole number, 0 or more');
}
