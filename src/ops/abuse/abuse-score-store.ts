/**
 * Abuse scoring: violations by a subject (an API key, a tenant, an end user) are weighted by
 * severity and summed over a sliding window; the sum drives an escalation ladder. The interface
 * every backend (in-process, Redis) implements, checked by one contract suite
 * (`abuse-score-store-contract.ts`).
 *
 *     normal ──score ≥ throttleAt──► throttled (until now + throttleForMs)
 *        └──────score ≥ suspendAt──► suspended (until now + suspendForMs)
 *     throttled / suspended ──now ≥ until──► normal
 *
 * The rule `record` applies, atomically with adding the violation (`escalate` below):
 * - the window holds the violations of the last `windowMs` (one recorded at `t` counts while
 *   `now - t < windowMs`), at most `maxViolationsPerSubject` of them, the newest;
 * - a score that reaches a rung above the current state moves the subject up to it, from now;
 * - a score on the current rung extends it (`until` becomes the later of the two);
 * - a score below the current rung changes nothing: an escalation is never shortened or
 *   lowered by a later, smaller score, only by time (or by an operator's override, which is
 *   `abuse-override-store.ts`).
 * Expiry is a matter of time, not a write: a state reads as `normal` from `until` on.
 *
 * Time is the store's own clock (Redis's `TIME` for the Redis backend), never the caller's, so
 * replicas with skewed clocks agree on the window and on expiry.
 *
 * Errors from a backend are thrown, never swallowed: the caller decides whether a check it
 * cannot make fails open or closed.
 */
import { PalisadeError } from '../../core/errors.js';

export type AbuseSubjectKind = 'key' | 'tenant' | 'user';
export const abuseSubjectKinds: readonly AbuseSubjectKind[] = ['key', 'tenant', 'user'];

/** `user` is the end user an application names (opaque to Palisade). */
export interface AbuseSubject {
  kind: AbuseSubjectKind;
  id: string;
}

export type ViolationSeverity = 'low' | 'medium' | 'high' | 'critical';
export const violationSeverities: readonly ViolationSeverity[] = ['low', 'medium', 'high', 'critical'];

export type AbuseState = 'normal' | 'throttled' | 'suspended';
export const abuseStates: readonly AbuseState[] = ['normal', 'throttled', 'suspended'];

/** The ladder's order: a higher rank is more restrictive. */
export const abuseStateRank: Readonly<Record<AbuseState, number>> = { normal: 0, throttled: 1, suspended: 2 };

export interface EscalationPolicy {
  /** The sliding window violations are summed over, in milliseconds (default 10 minutes). */
  windowMs: number;
  /** Each severity's weight, a whole number ≥ 1 (default 1 / 3 / 10 / 30). */
  weights: Readonly<Record<ViolationSeverity, number>>;
  /** A window score at or above this throttles (default 10). */
  throttleAt: number;
  /** A window score at or above this suspends (default 30); at least `throttleAt`. */
  suspendAt: number;
  /** How long a throttle lasts from the violation that caused it (default 15 minutes). */
  throttleForMs: number;
  /** How long a suspension lasts (default 1 hour). */
  suspendForMs: number;
  /** A throttled subject's limits are multiplied by this, above 0 and at most 1 (default 0.25). */
  throttleFactor: number;
}

export const defaultEscalationPolicy: EscalationPolicy = {
  windowMs: 10 * 60_000,
  weights: { low: 1, medium: 3, high: 10, critical: 30 },
  throttleAt: 10,
  suspendAt: 30,
  throttleForMs: 15 * 60_000,
  suspendForMs: 60 * 60_000,
  throttleFactor: 0.25,
};

/** A state and when it ends; `normal` has no end. */
export interface Escalation {
  state: AbuseState;
  until?: Date;
}

export interface ScoreRequest {
  subject: AbuseSubject;
  /** The violation's weight, a whole number ≥ 1. */
  weight: number;
  policy: EscalationPolicy;
}

export interface ScoreResult {
  /** The window's score, this violation included. */
  score: number;
  /** The subject's state just before this violation (an expired state reads `normal`). */
  previous: Escalation;
  /** Its state after it. */
  current: Escalation;
  /** The store's clock when it was recorded. */
  at: Date;
}

export interface AbuseScoreStore {
  /** Adds a violation to the subject's window and applies the ladder, atomically. */
  record(request: ScoreRequest): Promise<ScoreResult>;
  /** The automatic states of the subjects, in the order given, in one round trip. */
  read(subjects: readonly AbuseSubject[]): Promise<Escalation[]>;
  /** Forgets the subject's violations and state (an operator clearing a mistaken escalation). */
  reset(subject: AbuseSubject): Promise<void>;
  close(): Promise<void>;
}

/** Violations a window keeps per subject (the newest). Far above any score that suspends: a suspended subject's requests are refused before they can violate again. */
export const maxViolationsPerSubject = 1_000;
const MAX_ID_LENGTH = 256;
const MAX_WEIGHT = 1_000_000;
const MAX_WINDOW_MS = 24 * 60 * 60_000;
const MAX_STATE_MS = 366 * 24 * 60 * 60_000;

/**
 * The ladder, as every backend applies it (the Redis script mirrors it in Lua): the state after a
 * violation that brings the window's score to `score` at `now` (milliseconds).
 */
export function escalate(options: { previous: Escalation; score: number; now: number; policy: EscalationPolicy }): Escalation {
  const { previous, score, now, policy } = options;
  const target: AbuseState = score >= policy.suspendAt ? 'suspended' : score >= policy.throttleAt ? 'throttled' : 'normal';
  if (target === 'normal' || abuseStateRank[target] < abuseStateRank[previous.state]) return previous;
  const until = now + (target === 'suspended' ? policy.suspendForMs : policy.throttleForMs);
  const previousUntil = previous.until?.getTime() ?? 0;
  return { state: target, until: new Date(target === previous.state ? Math.max(until, previousUntil) : until) };
}

/** The state as of `now`: one whose `until` has come reads `normal`. */
export function escalationAt(held: Escalation | undefined, now: number): Escalation {
  return held === undefined || held.until === undefined || held.until.getTime() <= now ? { state: 'normal' } : { state: held.state, until: new Date(held.until.getTime()) };
}

/** A subject as one string, for map keys and Redis keys: the id is encoded so no id can imitate another subject. */
export function abuseSubjectKey(subject: AbuseSubject): string {
  return `${subject.kind}:${encodeURIComponent(subject.id)}`;
}

/** The policy with defaults filled in, checked. */
export function escalationPolicy(overrides: Partial<EscalationPolicy> = {}): EscalationPolicy {
  const policy: EscalationPolicy = { ...defaultEscalationPolicy, ...overrides, weights: { ...defaultEscalationPolicy.weights, ...overrides.weights } };
  checkEscalationPolicy(policy);
  return policy;
}

export function checkEscalationPolicy(policy: EscalationPolicy): void {
  const whole = (path: string, value: unknown, max: number): void => {
    if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max)) refuse(path, `must be a whole number from 1 to ${max}`);
  };
  whole('windowMs', policy.windowMs, MAX_WINDOW_MS);
  for (const severity of violationSeverities) whole(`weights.${severity}`, policy.weights?.[severity], MAX_WEIGHT);
  whole('throttleAt', policy.throttleAt, Number.MAX_SAFE_INTEGER);
  whole('suspendAt', policy.suspendAt, Number.MAX_SAFE_INTEGER);
  if (policy.suspendAt < policy.throttleAt) refuse('suspendAt', 'must be at least throttleAt');
  whole('throttleForMs', policy.throttleForMs, MAX_STATE_MS);
  whole('suspendForMs', policy.suspendForMs, MAX_STATE_MS);
  if (!(typeof policy.throttleFactor === 'number' && policy.throttleFactor > 0 && policy.throttleFactor <= 1)) refuse('throttleFactor', 'must be above 0 and at most 1');
}

export function checkAbuseSubject(subject: AbuseSubject, path = 'subject'): void {
  if (typeof subject !== 'object' || subject === null || !abuseSubjectKinds.includes(subject.kind)) refuse(`${path}.kind`, `must be one of ${abuseSubjectKinds.join(', ')}`);
  if (typeof subject.id !== 'string' || subject.id.length === 0 || subject.id.length > MAX_ID_LENGTH) refuse(`${path}.id`, `must be text of 1 to ${MAX_ID_LENGTH} characters`);
}

/** The checks every backend makes before recording. */
export function checkScoreRequest(request: ScoreRequest): void {
  checkAbuseSubject(request.subject);
  if (!(Number.isSafeInteger(request.weight) && request.weight >= 1 && request.weight <= MAX_WEIGHT)) refuse('weight', `must be a whole number from 1 to ${MAX_WEIGHT}`);
  checkEscalationPolicy(request.policy);
}

export function refuse(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `abuse response: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
