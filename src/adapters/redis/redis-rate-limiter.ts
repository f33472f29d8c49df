/**
 * Rate limits in Redis, shared by every replica: each acquire is one Lua script that checks every
 * subject and charges all of them or none, against Redis's clock.
 *
 * Keys: `<prefix>{<kind>:<id>}:requests | :tokens | :leases`. The hash tag puts one subject's
 * keys in one Redis Cluster slot, but one acquire touches a key and its tenant, which usually sit
 * in different slots. Splitting the script per subject would make it cluster-safe and lose the
 * all-or-nothing guarantee (a tenant refusal after the key was charged), so this backend keeps
 * single-node atomicity: it needs a single Redis (with replicas or Sentinel for availability), or
 * a cluster where the caller's subjects share a slot.
 *
 * Errors from Redis are thrown, never swallowed: the gateway decides whether a limiter it cannot
 * reach fails open or closed.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { checkAcquireRequest, checkTokenCount } from '../../limits/check-acquire-request.js';
import { DEFAULT_LEASE_TTL_MS, limitStates, pickRefusal, retryAfterMs, type LimitName, type Refusal, type SubjectTats } from '../../limits/limit-arithmetic.js';
import type { AcquireRequest, AcquireResult, Lease, LimitSubject, RateLimiter } from '../../limits/rate-limiter.js';
import { acquireScript, completeScript } from './redis-rate-limiter-scripts.js';
import { defineRedisScript } from './redis-script.js';

export interface RedisRateLimiterOptions {
  /** The connection, owned by the caller: `close()` does not quit it (other stores may share it). */
  redis: Redis;
  /** Namespace of every key (default `palisade:limits:`). */
  keyPrefix?: string;
  /** How long a concurrency slot lives if its lease is never completed. */
  leaseTtlMs?: number;
}

const reply = z.array(z.string());
const limitName = z.enum(['requests', 'tokens', 'concurrent']);

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const prefix = options.keyPrefix ?? 'palisade:limits:';
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!(Number.isFinite(leaseTtlMs) && leaseTtlMs > 0)) throw new PalisadeError('invalid_argument', 'rate limiter: leaseTtlMs must be a positive number');
  const runAcquire = defineRedisScript(options.redis, { name: 'RateLimitAcquire', lua: acquireScript });
  const runComplete = defineRedisScript(options.redis, { name: 'RateLimitComplete', lua: completeScript });
  let closed = false;

  function keysOf(subject: LimitSubject): { requests: string; tokens: string; leases: string } {
    // Encoded so an id cannot end the hash tag early or imitate another subject's key.
    const base = `${prefix}{${subject.kind}:${encodeURIComponent(subject.id)}}`;
    return { requests: `${base}:requests`, tokens: `${base}:tokens`, leases: `${base}:leases` };
  }

  function leaseFor(request: AcquireRequest): Lease {
    // One attempt per lease, shared by concurrent calls. A failed completion is not retried: the
    // slot expires with its lease and the token estimate decays within the period, whereas a
    // retry after a lost reply could apply the correction twice.
    let completion: Promise<void> | undefined;
    return {
      complete(actualTokens) {
        if (actualTokens !== undefined) {
          try {
            checkTokenCount(actualTokens, 'actualTokens');
          } catch (error) {
            return Promise.reject(error);
          }
        }
        // Completions still run after close(): a draining replica must give its slots back.
        if (completion !== undefined) return completion;
        const delta = actualTokens === undefined ? 0 : actualTokens - request.estimatedTokens;
        const nothingToDo = request.subjects.every((subject) => subject.limits.concurrentRequests === undefined && (delta === 0 || subject.limits.tokensPerMinute === undefined));
        if (nothingToDo) {
          completion = Promise.resolve();
          return completion;
        }
        const keys = request.subjects.flatMap((subject) => {
          const { tokens, leases } = keysOf(subject);
          return [tokens, leases];
        });
        const args = [String(delta), request.requestId, ...request.subjects.map((subject) => optional(subject.limits.tokensPerMinute))];
        completion = runComplete(keys, args).then(() => undefined);
        return completion;
      },
    };
  }

  return {
    async acquire(request: AcquireRequest): Promise<AcquireResult> {
      if (closed) throw new PalisadeError('unavailable', 'rate limiter is closed');
      checkAcquireRequest(request);
      // Subjects without limits never touch Redis: with no limits configured, no round trip at all.
      const limited = request.subjects.filter((subject) => Object.values(subject.limits).some((limit) => limit !== undefined));
      const own: AcquireRequest = { ...request, subjects: limited.map((subject) => ({ ...subject, limits: { ...subject.limits } })) };
      if (own.subjects.length === 0) {
        const lease: Lease = { complete: async (actualTokens) => (actualTokens === undefined ? undefined : checkTokenCount(actualTokens, 'actualTokens')) };
        return { allowed: true, lease, state: {} };
      }
      const keys = own.subjects.flatMap((subject) => {
        const { requests, tokens, leases } = keysOf(subject);
        return [requests, tokens, leases];
      });
      const args = [
        String(own.estimatedTokens),
        own.requestId,
        String(leaseTtlMs),
        ...own.subjects.flatMap((subject) => [optional(subject.limits.requestsPerMinute), optional(subject.limits.tokensPerMinute), optional(subject.limits.concurrentRequests)]),
      ];
      const result = parseAcquireReply(await runAcquire(keys, args), own.subjects.length);
      const state = limitStates(own.subjects, result.tats, result.now);
      const refusal = pickRefusal(result.refusals);
      if (refusal === undefined) return { allowed: true, lease: leaseFor(own), state };
      const subject = own.subjects[refusal.subjectIndex];
      if (subject === undefined) throw new PalisadeError('internal_error', 'rate limiter: Redis named no such subject');
      return { allowed: false, subject: subject.kind, limit: refusal.limit, retryAfterMs: refusal.retryAfterMs, state };
    },
    async close() {
      closed = true;
    },
  };
}

function optional(limit: number | undefined): string {
  return limit === undefined ? '' : String(limit);
}

/** Reads the acquire script's reply (layout documented with the script). */
function parseAcquireReply(raw: unknown, subjectCount: number): { now: number; refusals: Refusal[]; tats: SubjectTats[] } {
  const fields = reply.parse(raw);
  let at = 0;
  const next = (): string => {
    const field = fields[at++];
    if (field === undefined) throw new PalisadeError('internal_error', 'rate limiter: Redis reply too short');
    return field;
  };
  const allowed = next() === '1';
  const now = Number(next());
  const refusals: Refusal[] = [];
  const refusalCount = Number(next());
  for (let index = 0; index < refusalCount; index++) {
    const subjectIndex = Number(next());
    const limit: LimitName = limitName.parse(next());
    const wait = next();
    refusals.push({ subjectIndex, limit, retryAfterMs: wait === 'inf' ? Number.POSITIVE_INFINITY : retryAfterMs(Number(wait)) });
  }
  if (allowed !== (refusals.length === 0)) throw new PalisadeError('internal_error', 'rate limiter: inconsistent Redis reply');
  const tats: SubjectTats[] = [];
  for (let index = 0; index < subjectCount; index++) {
    const requests = next();
    const tokens = next();
    tats.push({ requests: requests === '' ? undefined : Number(requests), tokens: tokens === '' ? undefined : Number(tokens) });
  }
  return { now, refusals, tats };
}
