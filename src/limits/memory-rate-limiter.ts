/**
 * Rate limits held in this process: for one replica (the embedded default). Many replicas share
 * limits through the Redis backend instead. The arithmetic is `limit-arithmetic.ts`, shared with it.
 */
import { PalisadeError } from '../core/errors.js';
import { checkAcquireRequest, checkTokenCount } from './check-acquire-request.js';
import {
  DEFAULT_LEASE_TTL_MS,
  LIMIT_PERIOD_MS,
  concurrencyRetryHintMs,
  gcraAdmit,
  gcraCorrect,
  limitStates,
  pickRefusal,
  type Refusal,
  type SubjectTats,
} from './limit-arithmetic.js';
import type { AcquireRequest, AcquireResult, Lease, LimitSubject, RateLimiter } from './rate-limiter.js';

export interface MemoryRateLimiterOptions {
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
  /** How long a concurrency slot lives if its lease is never completed. */
  leaseTtlMs?: number;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** Subjects whose state is held (for tests and metrics): idle, replenished ones are dropped. */
  readonly trackedSubjects: number;
}

interface SubjectEntry {
  requestsTat?: number;
  tokensTat?: number;
  /** requestId → expiry of its concurrency slot. */
  leases: Map<string, number>;
}

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const now = options.now ?? Date.now;
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!(Number.isFinite(leaseTtlMs) && leaseTtlMs > 0)) throw new PalisadeError('invalid_argument', 'rate limiter: leaseTtlMs must be a positive number');
  const entries = new Map<string, SubjectEntry>();
  let nextSweepAt = now() + LIMIT_PERIOD_MS;
  let closed = false;

  function isIdle(entry: SubjectEntry, at: number): boolean {
    dropExpiredLeases(entry, at);
    return (entry.requestsTat ?? at) <= at && (entry.tokensTat ?? at) <= at && entry.leases.size === 0;
  }

  // Memory stays bounded by the subjects active in the last period or two: a full sweep at most
  // once per period costs one pass over live entries, amortised over every acquire in between.
  function sweepWhenDue(at: number): void {
    if (at < nextSweepAt) return;
    nextSweepAt = at + LIMIT_PERIOD_MS;
    for (const [key, entry] of entries) if (isIdle(entry, at)) entries.delete(key);
  }

  function entryFor(subject: LimitSubject): SubjectEntry {
    const key = subjectKey(subject);
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { leases: new Map() };
      entries.set(key, entry);
    }
    return entry;
  }

  function refusalsFor(request: AcquireRequest, at: number): Refusal[] {
    const refusals: Refusal[] = [];
    request.subjects.forEach((subject, subjectIndex) => {
      const entry = entries.get(subjectKey(subject));
      const { requestsPerMinute, tokensPerMinute, concurrentRequests } = subject.limits;
      if (requestsPerMinute !== undefined) {
        const decision = gcraAdmit({ tat: entry?.requestsTat, now: at, cost: 1, perMinute: requestsPerMinute });
        if (!decision.allowed) refusals.push({ subjectIndex, limit: 'requests', retryAfterMs: decision.retryAfterMs });
      }
      if (tokensPerMinute !== undefined) {
        // Refused, not admitted on a full bucket: one request may not spend more than a minute's
        // budget (and leave the subject in debt for longer). No wait helps, so the wait is Infinity.
        if (request.estimatedTokens > tokensPerMinute) {
          refusals.push({ subjectIndex, limit: 'tokens', retryAfterMs: Number.POSITIVE_INFINITY });
        } else {
          const decision = gcraAdmit({ tat: entry?.tokensTat, now: at, cost: request.estimatedTokens, perMinute: tokensPerMinute });
          if (!decision.allowed) refusals.push({ subjectIndex, limit: 'tokens', retryAfterMs: decision.retryAfterMs });
        }
      }
      if (concurrentRequests !== undefined && entry !== undefined) {
        dropExpiredLeases(entry, at);
        if (entry.leases.size >= concurrentRequests) {
          refusals.push({ subjectIndex, limit: 'concurrent', retryAfterMs: concurrencyRetryHintMs(earliestExpiry(entry), at) });
        }
      }
    });
    return refusals;
  }

  function charge(request: AcquireRequest, at: number): void {
    for (const subject of request.subjects) {
      const { requestsPerMinute, tokensPerMinute, concurrentRequests } = subject.limits;
      if (requestsPerMinute === undefined && tokensPerMinute === undefined && concurrentRequests === undefined) continue;
      const entry = entryFor(subject);
      if (requestsPerMinute !== undefined) entry.requestsTat = gcraCorrect({ tat: entry.requestsTat, now: at, delta: 1, perMinute: requestsPerMinute });
      if (tokensPerMinute !== undefined) entry.tokensTat = gcraCorrect({ tat: entry.tokensTat, now: at, delta: request.estimatedTokens, perMinute: tokensPerMinute });
      if (concurrentRequests !== undefined) entry.leases.set(request.requestId, at + leaseTtlMs);
    }
  }

  function tatsAt(subjects: readonly LimitSubject[]): SubjectTats[] {
    return subjects.map((subject) => {
      const entry = entries.get(subjectKey(subject));
      return { requests: entry?.requestsTat, tokens: entry?.tokensTat };
    });
  }

  function settle(request: AcquireRequest, actualTokens: number | undefined): void {
    const at = now();
    const delta = actualTokens === undefined ? 0 : actualTokens - request.estimatedTokens;
    for (const subject of request.subjects) {
      const key = subjectKey(subject);
      const { tokensPerMinute } = subject.limits;
      if (tokensPerMinute !== undefined && delta !== 0) {
        const entry = entryFor(subject);
        entry.tokensTat = gcraCorrect({ tat: entry.tokensTat, now: at, delta, perMinute: tokensPerMinute });
      }
      const entry = entries.get(key);
      if (entry === undefined) continue;
      entry.leases.delete(request.requestId);
      if (isIdle(entry, at)) entries.delete(key);
    }
  }

  function leaseFor(request: AcquireRequest): Lease {
    let completed = false;
    return {
      complete: async (actualTokens) => {
        if (actualTokens !== undefined) checkTokenCount(actualTokens, 'actualTokens');
        if (completed || closed) return;
        completed = true;
        settle(request, actualTokens);
      },
    };
  }

  return {
    async acquire(request: AcquireRequest): Promise<AcquireResult> {
      if (closed) throw new PalisadeError('unavailable', 'rate limiter is closed');
      checkAcquireRequest(request);
      // The lease keeps its own copy: the caller may reuse or change the request object.
      const own: AcquireRequest = { ...request, subjects: request.subjects.map((subject) => ({ ...subject, limits: { ...subject.limits } })) };
      const at = now();
      sweepWhenDue(at);
      const refusal = pickRefusal(refusalsFor(own, at));
      if (refusal !== undefined) {
        const subject = own.subjects[refusal.subjectIndex];
        if (subject === undefined) throw new PalisadeError('internal_error', 'rate limiter: refusal names no subject');
        return { allowed: false, subject: subject.kind, limit: refusal.limit, retryAfterMs: refusal.retryAfterMs, state: limitStates(own.subjects, tatsAt(own.subjects), at) };
      }
      charge(own, at);
      return { allowed: true, lease: leaseFor(own), state: limitStates(own.subjects, tatsAt(own.subjects), at) };
    },
    async close() {
      closed = true;
      entries.clear();
    },
    get trackedSubjects() {
      return entries.size;
    },
  };
}

function subjectKey(subject: LimitSubject): string {
  return `${subject.kind}:${subject.id}`;
}

function earliestExpiry(entry: SubjectEntry): number | undefined {
  let earliest: number | undefined;
  for (const expiresAt of entry.leases.values()) if (earliest === undefined || expiresAt < earliest) earliest = expiresAt;
  return earliest;
}

function dropExpiredLeases(entry: SubjectEntry, at: number): void {
  for (const [requestId, expiresAt] of entry.leases) if (expiresAt <= at) entry.leases.delete(requestId);
}
