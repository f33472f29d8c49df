/**
 * Manual overrides of the abuse ladder: an operator sets a subject's state (lifting a mistaken
 * suspension, or suspending by hand), optionally until a time. The interface every backend
 * (memory, SQLite, PostgreSQL) implements, checked by one contract suite
 * (`abuse-override-store-contract.ts`).
 *
 * - One override per subject: `set` replaces the one before (the audit log keeps the history,
 *   through the state-change events of `abuse-response.ts`).
 * - Expiry is a matter of time, not a write: an override reads as absent from `until` on, in
 *   `get` and `listActive` alike (both take `now`, so every replica agrees on the instant).
 * - Overrides are kept in a database rather than Redis: they are an operator's decisions, which
 *   must survive a Redis restart (Redis holds the scores, whose loss only forgets recent
 *   violations), and there are few of them, so every replica caches them all.
 */
import { checkAbuseSubject, abuseStates, refuse, type AbuseState, type AbuseSubject } from './abuse-score-store.js';

export interface AbuseOverride {
  subject: AbuseSubject;
  state: AbuseState;
  /** When it stops applying; absent: until cleared. */
  until?: Date;
  reason: string;
  /** Who set it: a key id, `cli` or `system`. */
  by: string;
  /** When it was set. */
  at: Date;
}

export interface AbuseOverrideStore {
  /** Stores the subject's override, replacing any before it. */
  set(override: AbuseOverride): Promise<void>;
  /** Removes the subject's override; returns it as it was stored (even if expired), or undefined. */
  clear(subject: AbuseSubject): Promise<AbuseOverride | undefined>;
  /** The subject's override in force at `now`. */
  get(subject: AbuseSubject, options: { now: Date }): Promise<AbuseOverride | undefined>;
  /** Every override in force at `now` (at most `limit`, default and maximum 10,000), newest first. */
  listActive(options: { now: Date; limit?: number }): Promise<AbuseOverride[]>;
}

export const MAX_ACTIVE_OVERRIDES = 10_000;
const MAX_REASON_LENGTH = 1_000;
const MAX_BY_LENGTH = 256;

/** Whether an override applies at `now`. */
export function overrideActiveAt(override: AbuseOverride, now: Date): boolean {
  return override.until === undefined || override.until.getTime() > now.getTime();
}

export function checkAbuseOverride(override: AbuseOverride): void {
  checkAbuseSubject(override.subject);
  if (!abuseStates.includes(override.state)) refuse('state', `must be one of ${abuseStates.join(', ')}`);
  checkTime('at', override.at);
  if (override.until !== undefined) {
    checkTime('until', override.until);
    if (override.until.getTime() <= override.at.getTime()) refuse('until', 'must be after at');
  }
  if (typeof override.reason !== 'string' || override.reason.length === 0 || override.reason.length > MAX_REASON_LENGTH) refuse('reason', `must be text of 1 to ${MAX_REASON_LENGTH} characters`);
  if (typeof override.by !== 'string' || override.by.length === 0 || override.by.length > MAX_BY_LENGTH) refuse('by', `must be text of 1 to ${MAX_BY_LENGTH} characters`);
}

export function checkListActiveOptions(options: { now: Date; limit?: number }): number {
  checkTime('now', options.now);
  const limit = options.limit ?? MAX_ACTIVE_OVERRIDES;
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_ACTIVE_OVERRIDES)) refuse('limit', `must be a whole number from 1 to ${MAX_ACTIVE_OVERRIDES}`);
  return limit;
}

export function checkTime(path: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) refuse(path, 'must be a valid Date');
}

/** Newest first: by `at`, then by subject (kind, then id) descending, so every backend lists alike. */
export function newestOverrideFirst(a: AbuseOverride, b: AbuseOverride): number {
  const byTime = b.at.getTime() - a.at.getTime();
  if (byTime !== 0) return byTime;
  const left = `${a.subject.kind}\u0000${a.subject.id}`;
  const right = `${b.subject.kind}\u0000${b.subject.id}`;
  return left < right ? 1 : left > right ? -1 : 0;
}
