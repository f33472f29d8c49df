/**
 * A staged rollout of a policy version: the candidate version takes a growing share of the
 * traffic (`stages`, e.g. 1 → 5 → 25 → 100 %) while the baseline (the version active when the
 * rollout started) keeps the rest, until it is completed (the candidate becomes the active
 * version), rolled back (health thresholds, or an operator) or aborted.
 *
 *     start ──► running ──advance──► running (a higher percent) … ──complete──► completed
 *                  │ ──rollBack──► rolled_back
 *                  └──abort─────► aborted
 *
 * Which requests are in the candidate's share is `inCandidate` (`rollout-bucket.ts`): sticky per
 * subject (tenant, key or end user), so a subject keeps its arm as the percent grows.
 *
 * `mode` says what the candidate's share gets:
 * - `enforce`: the candidate policy decides those requests; the baseline decides the rest.
 * - `shadow`: the baseline decides every request; the candidate is also evaluated on the
 *   candidate's share and its verdict is only recorded (`ShadowStore`), never enforced.
 *
 * Percents are 0 to 100 in steps of 0.01 (the bucket space has 10,000 buckets).
 */
import { randomBytes } from 'node:crypto';

export type RolloutStatus = 'running' | 'completed' | 'rolled_back' | 'aborted';
export const rolloutStatuses: readonly RolloutStatus[] = ['running', 'completed', 'rolled_back', 'aborted'];

/**
 * The subject whose bucket puts a request in an arm. `end_user` uses the end-user id the client
 * sends and falls back to the key when a request has none (see `rolloutSubject`).
 */
export type RolloutBucketBy = 'tenant' | 'key' | 'end_user';
export const rolloutBucketBys: readonly RolloutBucketBy[] = ['tenant', 'key', 'end_user'];

export type RolloutMode = 'shadow' | 'enforce';
export const rolloutModes: readonly RolloutMode[] = ['shadow', 'enforce'];

/** Advance to the next stage every `everyMinutes` while the rollout is healthy (the caller checks health). */
export interface RolloutSchedule {
  everyMinutes: number;
}

export type RolloutChangeKind = 'start' | 'advance' | 'complete' | 'roll_back' | 'abort';

/** One transition of a rollout, with who made it and why. */
export interface RolloutChange {
  /** The store version this transition got (see `RolloutState.version`). */
  version: number;
  kind: RolloutChangeKind;
  /** The percent before (0 for `start`) and after (0 after `roll_back` and `abort`, 100 after `complete`). */
  fromPercent: number;
  toPercent: number;
  at: Date;
  by: string;
  reason?: string;
}

export interface Rollout {
  id: string;
  /** The version hash (`PolicyVersion.hash`) being rolled out. */
  candidate: string;
  /** The version hash that was active when the rollout started: the other arm. */
  baseline: string;
  /** The candidate's share now, 0 to 100. */
  percent: number;
  /** The planned percents, strictly increasing; the rollout starts at the first. */
  stages: number[];
  bucketBy: RolloutBucketBy;
  mode: RolloutMode;
  schedule?: RolloutSchedule;
  status: RolloutStatus;
  startedAt: Date;
  startedBy: string;
  /** When it was completed, rolled back or aborted. */
  endedAt?: Date;
  /** The store version of this rollout's latest transition. */
  version: number;
  /** Every transition, oldest first; the first is the `start`. */
  history: RolloutChange[];
}

/** The version pointer the gateway enforces when no rollout says otherwise. */
export interface ActivePolicyVersion {
  hash: string;
  activatedAt: Date;
  activatedBy: string;
  /** Set when a completed rollout made it active. */
  rolloutId?: string;
  /** The store version of the transition that set it. */
  version: number;
}

export const MAX_ROLLOUT_STAGES = 20;
export const MAX_SCHEDULE_MINUTES = 7 * 24 * 60;

/** A fresh rollout id: `rol_` and 96 random bits, safe in a URL path. */
export function newRolloutId(): string {
  return `rol_${randomBytes(12).toString('base64url')}`;
}

/** True for 0 to 100 in steps of 0.01. */
export function isRolloutPercent(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) return false;
  const hundredths = value * 100;
  return Math.abs(hundredths - Math.round(hundredths)) < 1e-6;
}

/** The first planned stage above the current percent, or `undefined` past the last. */
export function nextStagePercent(rollout: Pick<Rollout, 'percent' | 'stages'>): number | undefined {
  return rollout.stages.find((stage) => stage > rollout.percent);
}

export type ScheduledStep = { kind: 'advance'; to: number; at: Date } | { kind: 'complete'; at: Date };

/**
 * The next step a rollout's schedule plans, and when it is due: `schedule.everyMinutes` after its
 * latest transition; past the last stage the step is `complete`. `undefined` for a rollout that is
 * not running or has no schedule. Whether to take it (only while healthy) is the caller's call;
 * pass `ifVersion: rollout.version` so that two replicas taking it at once advance only once.
 */
export function nextScheduledStep(rollout: Rollout): ScheduledStep | undefined {
  if (rollout.status !== 'running' || rollout.schedule === undefined) return undefined;
  const last = rollout.history.at(-1)?.at ?? rollout.startedAt;
  const at = new Date(last.getTime() + rollout.schedule.everyMinutes * 60_000);
  const to = nextStagePercent(rollout);
  return to === undefined ? { kind: 'complete', at } : { kind: 'advance', to, at };
}
