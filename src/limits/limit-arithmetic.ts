/**
 * The arithmetic every rate limiter backend shares, so in-process and Redis limits agree to the
 * millisecond. The Redis backend runs the same formulas inside its Lua scripts
 * (`adapters/redis/redis-rate-limiter-scripts.ts`); a change here must be made there too.
 *
 * Requests and tokens use GCRA, the generic cell rate algorithm: a subject's whole state is one
 * number, its theoretical arrival time (TAT). Each unit (a request, a token) pushes the TAT one
 * emission interval (`period / limit`) into the future; a charge is admitted while the TAT stays
 * within one period of now. That is a token bucket of capacity `limit` refilling continuously at
 * `limit` per period, so the burst is the whole per-minute limit, without a timer or a separate
 * "last refill" field, and the wait until a refused charge fits is exact: the excess over one
 * period.
 */
import type { LimitState, LimitStates, LimitSubject } from './rate-limiter.js';

/** Limits are per minute. */
export const LIMIT_PERIOD_MS = 60_000;

/**
 * How long a concurrency slot lives when its lease is never completed (the process died, a bug
 * lost the lease): long enough for a slow streamed completion, short enough that a leak heals.
 */
export const DEFAULT_LEASE_TTL_MS = 10 * 60_000;

/** A refusal for concurrency has no exact retry time (it depends on other requests): a short hint. */
export const CONCURRENCY_RETRY_HINT_MS = 1_000;

/**
 * Slack for floating-point rounding: times are milliseconds near 10^12 in doubles, whose
 * resolution is a few ten-thousandths of a millisecond, so a charge that fits exactly must not be
 * refused for a rounding error. One microsecond is far below anything a client could exploit.
 */
export const GCRA_TOLERANCE_MS = 0.001;

export type LimitName = 'requests' | 'tokens' | 'concurrent';

/** A limit that refused: the subject's index in the request, which limit, and the wait it needs. */
export interface Refusal {
  subjectIndex: number;
  limit: LimitName;
  /** `Infinity` when no wait helps (a token estimate above the whole per-minute limit). */
  retryAfterMs: number;
}

export function emissionIntervalMs(perMinute: number): number {
  return LIMIT_PERIOD_MS / perMinute;
}

export type GcraDecision = { allowed: true; tat: number } | { allowed: false; retryAfterMs: number };

/**
 * Whether `cost` units fit now, and the TAT after charging them. `tat` undefined means no state:
 * the subject is fully replenished.
 */
export function gcraAdmit(options: { tat: number | undefined; now: number; cost: number; perMinute: number }): GcraDecision {
  const start = Math.max(options.tat ?? options.now, options.now);
  const tat = start + options.cost * emissionIntervalMs(options.perMinute);
  const excess = tat - options.now - LIMIT_PERIOD_MS;
  if (excess <= GCRA_TOLERANCE_MS) return { allowed: true, tat };
  return { allowed: false, retryAfterMs: retryAfterMs(excess) };
}

/**
 * The TAT after correcting a charge by `delta` units: a positive delta is charged without a check
 * (the tokens are spent; the subject owes them), a negative one refunded, but never past "fully
 * replenished" (now): unused estimate cannot become credit beyond the per-minute limit.
 */
export function gcraCorrect(options: { tat: number | undefined; now: number; delta: number; perMinute: number }): number {
  const start = Math.max(options.tat ?? options.now, options.now);
  return Math.max(start + options.delta * emissionIntervalMs(options.perMinute), options.now);
}

/** What a subject has left at `now`, for the `x-ratelimit-*` headers. */
export function gcraState(options: { tat: number | undefined; now: number; perMinute: number }): LimitState {
  const debt = Math.max(0, (options.tat ?? options.now) - options.now);
  // Rounding in the times can make an exact 900 units left read 899.9999; a thousandth of a unit
  // of slack keeps the header from showing one fewer.
  const left = Math.floor((LIMIT_PERIOD_MS - debt) / emissionIntervalMs(options.perMinute) + 1e-3);
  return {
    limit: options.perMinute,
    remaining: Math.min(options.perMinute, Math.max(0, left)),
    resetMs: Math.max(0, Math.ceil(debt - GCRA_TOLERANCE_MS)),
  };
}

/** A wait in whole milliseconds, at least one (a refusal never says "retry now"). */
export function retryAfterMs(excessMs: number): number {
  return Math.max(1, Math.ceil(excessMs - GCRA_TOLERANCE_MS));
}

/** Hint for a concurrency refusal: until the oldest slot expires, but no longer than the hint. */
export function concurrencyRetryHintMs(earliestExpiry: number | undefined, now: number): number {
  if (earliestExpiry === undefined) return CONCURRENCY_RETRY_HINT_MS;
  return Math.min(CONCURRENCY_RETRY_HINT_MS, retryAfterMs(earliestExpiry - now));
}

/**
 * The refusal to report when several limits refuse. Its subject and limit are the first found,
 * except that a permanent refusal (an estimate above a whole limit) wins, because waiting cannot
 * fix it and the client must be told so. Its wait is the longest of all, the earliest time a
 * retry can pass every limit that refused.
 */
export function pickRefusal(refusals: readonly Refusal[]): Refusal | undefined {
  const first = refusals.find((refusal) => refusal.retryAfterMs === Number.POSITIVE_INFINITY) ?? refusals[0];
  if (first === undefined) return undefined;
  return { ...first, retryAfterMs: Math.max(...refusals.map((refusal) => refusal.retryAfterMs)) };
}

/** Each subject's TATs (undefined where it has no such limit or no state). */
export interface SubjectTats {
  requests: number | undefined;
  tokens: number | undefined;
}

/**
 * The most constrained subject's state per limit: fewest remaining, then the longest reset.
 * Limits no subject has are absent.
 */
export function limitStates(subjects: readonly LimitSubject[], tats: readonly SubjectTats[], now: number): LimitStates {
  const states: LimitStates = {};
  subjects.forEach((subject, index) => {
    const tat = tats[index];
    const { requestsPerMinute, tokensPerMinute } = subject.limits;
    if (requestsPerMinute !== undefined) {
      states.requests = tighter(states.requests, gcraState({ tat: tat?.requests, now, perMinute: requestsPerMinute }));
    }
    if (tokensPerMinute !== undefined) {
      states.tokens = tighter(states.tokens, gcraState({ tat: tat?.tokens, now, perMinute: tokensPerMinute }));
    }
  });
  return states;
}

function tighter(current: LimitState | undefined, candidate: LimitState): LimitState {
  if (current === undefined) return candidate;
  if (candidate.remaining !== current.remaining) return candidate.remaining < current.remaining ? candidate : current;
  return candidate.resetMs > current.resetMs ? candidate : current;
}
