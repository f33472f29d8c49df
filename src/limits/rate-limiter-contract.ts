/**
 * The behaviour every RateLimiter backend must have, as vitest cases. A backend's test file calls
 * `rateLimiterContract(name, setup)`; each case gets a fresh fixture.
 *
 * Time: a backend with a clock the test controls (in-process) passes `advance` and
 * `{ virtualClock: true }`; then the cases that need minutes to pass (exact retry times, full
 * replenishment, lease expiry) are defined too. A backend on a real clock (Redis uses its server's
 * `TIME`) runs every other case, and its time-dependent ones wait for real over short windows
 * (600 tokens a minute is one per 100 ms). Whether the clock is virtual is an option of the call,
 * not read from a fixture, because cases are defined before any fixture exists.
 *
 * Most cases leave a margin of seconds against the real clock: a limit of 3 a minute gains one
 * request every 20 s, so a slow machine cannot turn a refusal into an admission.
 */
import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../core/errors.js';
import { CONCURRENCY_RETRY_HINT_MS, DEFAULT_LEASE_TTL_MS } from './limit-arithmetic.js';
import type { AcquireRequest, AcquireResult, LimitSettings, LimitSubject, RateLimiter } from './rate-limiter.js';

export interface RateLimiterFixture {
  /** Built with the default lease TTL. */
  limiter: RateLimiter;
  /** Moves the limiter's clock forward (virtual clocks only). */
  advance?: (ms: number) => Promise<void>;
  cleanup: () => Promise<void>;
}

export interface RateLimiterContractOptions {
  /** The fixture's `advance` drives the limiter's clock: define the cases that need minutes. */
  virtualClock?: boolean;
}

export function rateLimiterContract(name: string, setup: () => Promise<RateLimiterFixture>, options: RateLimiterContractOptions = {}): void {
  let requestCount = 0;
  const key = (id: string, limits: LimitSettings): LimitSubject => ({ kind: 'key', id, limits });
  const tenant = (id: string, limits: LimitSettings): LimitSubject => ({ kind: 'tenant', id, limits });
  const request = (subjects: LimitSubject[], estimatedTokens = 0): AcquireRequest => ({ subjects, estimatedTokens, requestId: `request-${++requestCount}` });

  /** Runs `body` with a fresh fixture, cleaned up whatever happens. */
  async function withFixture(body: (fixture: RateLimiterFixture & { passTime: (ms: number) => Promise<void> }) => Promise<void>): Promise<void> {
    const fixture = await setup();
    try {
      if (options.virtualClock === true && fixture.advance === undefined) throw new Error('a virtual-clock fixture must provide advance');
      const passTime = fixture.advance ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      await body({ ...fixture, passTime });
    } finally {
      await fixture.cleanup();
    }
  }

  const allowedLease = (result: AcquireResult) => {
    if (!result.allowed) throw new Error(`expected admission, got a refusal by ${result.subject} (${result.limit})`);
    return result.lease;
  };

  describe(`${name}: rate limiter contract`, () => {
    it('admits everything for subjects without limits, and for no subjects', () =>
      withFixture(async ({ limiter }) => {
        for (let index = 0; index < 20; index++) {
          const result = await limiter.acquire(request([key('k-open', {}), tenant('t-open', {})], 1_000_000));
          expect(result).toMatchObject({ allowed: true, state: {} });
        }
        expect((await limiter.acquire(request([], 5))).allowed).toBe(true);
      }));

    it('enforces requests per minute per subject; other subjects are independent', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-requests', { requestsPerMinute: 3 });
        for (let index = 0; index < 3; index++) expect((await limiter.acquire(request([limited]))).allowed).toBe(true);
        expect(await limiter.acquire(request([limited]))).toMatchObject({ allowed: false, subject: 'key', limit: 'requests' });
        expect((await limiter.acquire(request([key('k-requests-other', { requestsPerMinute: 3 })]))).allowed).toBe(true);
        // Same id, other kind: another subject.
        expect((await limiter.acquire(request([tenant('k-requests', { requestsPerMinute: 3 })]))).allowed).toBe(true);
      }));

    it('checks the tenant as well as the key', () =>
      withFixture(async ({ limiter }) => {
        const shared = tenant('t-both', { requestsPerMinute: 2 });
        expect((await limiter.acquire(request([key('k-both-1', { requestsPerMinute: 10 }), shared]))).allowed).toBe(true);
        expect((await limiter.acquire(request([key('k-both-2', { requestsPerMinute: 10 }), shared]))).allowed).toBe(true);
        expect(await limiter.acquire(request([key('k-both-3', { requestsPerMinute: 10 }), shared]))).toMatchObject({ allowed: false, subject: 'tenant', limit: 'requests' });
      }));

    it('charges no subject when one refuses (all or nothing)', () =>
      withFixture(async ({ limiter }) => {
        const limits = { requestsPerMinute: 5, tokensPerMinute: 1_000, concurrentRequests: 2 };
        const strictTenant = tenant('t-strict', { requestsPerMinute: 1 });
        allowedLease(await limiter.acquire(request([key('k-all', limits), strictTenant], 100)));
        for (let index = 0; index < 3; index++) {
          expect(await limiter.acquire(request([key('k-all', limits), strictTenant], 400))).toMatchObject({ allowed: false, subject: 'tenant' });
        }
        // Only the first request was charged to the key: 1 request, 100 tokens, 1 slot.
        const alone = await limiter.acquire(request([key('k-all', limits)], 100));
        expect(alone).toMatchObject({ allowed: true, state: { requests: { remaining: 3 }, tokens: { remaining: 800 } } });
        expect(await limiter.acquire(request([key('k-all', limits)]))).toMatchObject({ allowed: false, limit: 'concurrent' });
      }));

    it('refuses tokens beyond the per-minute budget', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-tokens', { tokensPerMinute: 1_000 });
        expect((await limiter.acquire(request([limited], 600))).allowed).toBe(true);
        expect(await limiter.acquire(request([limited], 600))).toMatchObject({ allowed: false, subject: 'key', limit: 'tokens' });
        expect((await limiter.acquire(request([limited], 300))).allowed).toBe(true);
      }));

    it('refunds an overestimate on complete, which lets more through', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-refund', { tokensPerMinute: 1_000 });
        const lease = allowedLease(await limiter.acquire(request([limited], 600)));
        expect((await limiter.acquire(request([limited], 600))).allowed).toBe(false);
        await lease.complete(100);
        expect((await limiter.acquire(request([limited], 600))).allowed).toBe(true);
      }));

    it('charges an underestimate on complete', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-overuse', { tokensPerMinute: 1_000 });
        const lease = allowedLease(await limiter.acquire(request([limited], 100)));
        await lease.complete(900);
        expect(await limiter.acquire(request([limited], 200))).toMatchObject({ allowed: false, limit: 'tokens' });
      }));

    it('keeps the estimate when complete gets no actual count', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-keep', { tokensPerMinute: 1_000 });
        await allowedLease(await limiter.acquire(request([limited], 700))).complete();
        expect((await limiter.acquire(request([limited], 400))).allowed).toBe(false);
      }));

    it('never refunds past a full budget', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-floor', { tokensPerMinute: 1_000 });
        await allowedLease(await limiter.acquire(request([limited], 500))).complete(0);
        expect(await limiter.acquire(request([limited], 1_000))).toMatchObject({ allowed: true, state: { tokens: { remaining: 0 } } });
        expect((await limiter.acquire(request([limited], 50))).allowed).toBe(false);
      }));

    it('refuses, for good, an estimate above the whole per-minute limit, and charges nothing', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-huge', { tokensPerMinute: 1_000, requestsPerMinute: 2 });
        const refused = await limiter.acquire(request([limited], 1_001));
        expect(refused).toMatchObject({ allowed: false, subject: 'key', limit: 'tokens', retryAfterMs: Number.POSITIVE_INFINITY });
        expect(refused.state).toEqual({ requests: { limit: 2, remaining: 2, resetMs: 0 }, tokens: { limit: 1_000, remaining: 1_000, resetMs: 0 } });
        // Also when another limit refuses first: waiting would not help, so the permanent refusal is reported.
        const tight = tenant('t-huge', { requestsPerMinute: 1 });
        allowedLease(await limiter.acquire(request([tight])));
        expect(await limiter.acquire(request([tight, limited], 5_000))).toMatchObject({ allowed: false, subject: 'key', limit: 'tokens', retryAfterMs: Number.POSITIVE_INFINITY });
        expect((await limiter.acquire(request([limited], 1_000))).allowed).toBe(true);
      }));

    it('frees a concurrency slot on complete', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-concurrent', { concurrentRequests: 2 });
        const first = allowedLease(await limiter.acquire(request([limited])));
        allowedLease(await limiter.acquire(request([limited])));
        const refused = await limiter.acquire(request([limited]));
        expect(refused).toMatchObject({ allowed: false, subject: 'key', limit: 'concurrent' });
        if (refused.allowed) return;
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(CONCURRENCY_RETRY_HINT_MS);
        await first.complete();
        expect((await limiter.acquire(request([limited]))).allowed).toBe(true);
        expect((await limiter.acquire(request([limited]))).allowed).toBe(false);
      }));

    it('completes a lease once, however often complete is called', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-twice', { tokensPerMinute: 1_000, concurrentRequests: 1 });
        const first = allowedLease(await limiter.acquire(request([limited], 1_000)));
        await Promise.all([first.complete(500), first.complete(500)]);
        await first.complete(500);
        // Refunded once: 500 tokens left, not 1000.
        const second = await limiter.acquire(request([limited], 300));
        expect(second.allowed).toBe(true);
        await first.complete(0);
        expect(await limiter.acquire(request([key('k-twice', { tokensPerMinute: 1_000 })], 300))).toMatchObject({ allowed: false, limit: 'tokens' });
        // Nor did the repeated complete free the second request's slot.
        expect(await limiter.acquire(request([limited], 0))).toMatchObject({ allowed: false, limit: 'concurrent' });
      }));

    it('says when a retry can succeed', () =>
      withFixture(async ({ limiter }) => {
        const requests = key('k-retry-requests', { requestsPerMinute: 2 });
        await limiter.acquire(request([requests]));
        await limiter.acquire(request([requests]));
        const byRequests = await limiter.acquire(request([requests]));
        expect(byRequests.allowed).toBe(false);
        if (!byRequests.allowed) {
          // One request every 30 s; the first one was charged a moment ago.
          expect(byRequests.retryAfterMs).toBeGreaterThan(25_000);
          expect(byRequests.retryAfterMs).toBeLessThanOrEqual(30_000);
        }
        const tokens = key('k-retry-tokens', { tokensPerMinute: 600 });
        await limiter.acquire(request([tokens], 600));
        const byTokens = await limiter.acquire(request([tokens], 10));
        expect(byTokens.allowed).toBe(false);
        // Ten tokens at one per 100 ms.
        if (!byTokens.allowed) expect(byTokens.retryAfterMs).toBeGreaterThan(0);
        if (!byTokens.allowed) expect(byTokens.retryAfterMs).toBeLessThanOrEqual(1_000);
      }));

    it('reports the most constrained subject for the rate-limit headers', () =>
      withFixture(async ({ limiter }) => {
        const subjects = [key('k-state', { requestsPerMinute: 10, tokensPerMinute: 1_000 }), tenant('t-state', { requestsPerMinute: 5, tokensPerMinute: 5_000 })];
        const first = await limiter.acquire(request(subjects, 100));
        expect(first.state).toEqual({
          requests: { limit: 5, remaining: 4, resetMs: 12_000 },
          tokens: { limit: 1_000, remaining: 900, resetMs: 6_000 },
        });
        const refused = await limiter.acquire(request(subjects, 950));
        expect(refused).toMatchObject({ allowed: false, subject: 'key', limit: 'tokens' });
        // Uncharged; a real clock may have given back a token or two since.
        expect(refused.state.requests).toMatchObject({ limit: 5, remaining: 4 });
        expect(refused.state.tokens?.limit).toBe(1_000);
        expect(refused.state.tokens?.remaining).toBeGreaterThanOrEqual(900);
        expect(refused.state.tokens?.remaining).toBeLessThan(950);
      }));

    it('never over-admits concurrent acquires', () =>
      withFixture(async ({ limiter }) => {
        const race = async (subject: LimitSubject, estimatedTokens = 0) => {
          const results = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire(request([subject, tenant('t-race', {})], estimatedTokens))));
          return results.filter((result) => result.allowed).length;
        };
        expect(await race(key('k-race-requests', { requestsPerMinute: 10 }))).toBe(10);
        expect(await race(key('k-race-tokens', { tokensPerMinute: 1_000 }), 100)).toBe(10);
        expect(await race(key('k-race-slots', { concurrentRequests: 10 }))).toBe(10);
      }));

    it('replenishes over time (600 tokens a minute: one per 100 ms)', () =>
      withFixture(async ({ limiter, passTime }) => {
        const limited = key('k-replenish', { tokensPerMinute: 600 });
        expect((await limiter.acquire(request([limited], 600))).allowed).toBe(true);
        // Three tokens (300 ms) rather than one, so a slow machine between two calls cannot refill them.
        const refused = await limiter.acquire(request([limited], 3));
        if (refused.allowed) throw new Error('expected a refusal');
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
        // A real timer may fire a little early against another clock; a virtual one moves exactly.
        await passTime(refused.retryAfterMs + 20);
        expect((await limiter.acquire(request([limited], 3))).allowed).toBe(true);
      }));

    it('rejects arguments no backend can honour', () =>
      withFixture(async ({ limiter }) => {
        const invalid = async (acquire: Promise<unknown>) => {
          const error: unknown = await acquire.then(() => undefined, (caught: unknown) => caught);
          expect(isPalisadeError(error) && error.code === 'invalid_argument').toBe(true);
        };
        await invalid(limiter.acquire(request([key('k-bad', {})], -1)));
        await invalid(limiter.acquire(request([key('k-bad', {})], Number.NaN)));
        await invalid(limiter.acquire({ subjects: [], estimatedTokens: 0, requestId: '' }));
        await invalid(limiter.acquire(request([key('k-bad', { requestsPerMinute: 0 })])));
        await invalid(limiter.acquire(request([key('k-bad', { tokensPerMinute: Number.POSITIVE_INFINITY })])));
        await invalid(limiter.acquire(request([key('k-bad', { concurrentRequests: 1.5 })])));
        const lease = allowedLease(await limiter.acquire(request([key('k-bad', { tokensPerMinute: 100 })], 10)));
        await invalid(lease.complete(-5));
      }));

    it('refuses to acquire once closed', () =>
      withFixture(async ({ limiter }) => {
        await limiter.close();
        await expect(limiter.acquire(request([key('k-closed', {})]))).rejects.toMatchObject({ code: 'unavailable' });
      }));

    if (options.virtualClock !== true) return;

    it('gives exact retry times', () =>
      withFixture(async ({ limiter, passTime }) => {
        const requests = key('k-exact', { requestsPerMinute: 2 });
        await limiter.acquire(request([requests]));
        await limiter.acquire(request([requests]));
        expect(await limiter.acquire(request([requests]))).toMatchObject({ allowed: false, retryAfterMs: 30_000 });
        await passTime(29_999);
        expect(await limiter.acquire(request([requests]))).toMatchObject({ allowed: false, retryAfterMs: 1 });
        await passTime(1);
        expect((await limiter.acquire(request([requests]))).allowed).toBe(true);
        const tokens = key('k-exact-tokens', { tokensPerMinute: 1_000 });
        await limiter.acquire(request([tokens], 1_000));
        expect(await limiter.acquire(request([tokens], 250))).toMatchObject({ allowed: false, retryAfterMs: 15_000 });
      }));

    it('reports the longest wait when several limits refuse', () =>
      withFixture(async ({ limiter }) => {
        const keyed = key('k-waits', { requestsPerMinute: 6 });
        const tenanted = tenant('t-waits', { tokensPerMinute: 100 });
        await limiter.acquire(request([keyed, tenanted], 100));
        for (let index = 0; index < 5; index++) await limiter.acquire(request([keyed]));
        expect(await limiter.acquire(request([keyed, tenanted], 50))).toMatchObject({ allowed: false, subject: 'key', limit: 'requests', retryAfterMs: 30_000 });
      }));

    it('replenishes fully after a minute, and resetMs counts down', () =>
      withFixture(async ({ limiter, passTime }) => {
        const limited = key('k-full', { requestsPerMinute: 5 });
        for (let index = 0; index < 5; index++) await limiter.acquire(request([limited]));
        await passTime(30_000);
        expect((await limiter.acquire(request([limited]))).state.requests).toEqual({ limit: 5, remaining: 1, resetMs: 42_000 });
        await passTime(60_000);
        for (let index = 0; index < 5; index++) expect((await limiter.acquire(request([limited]))).allowed).toBe(true);
        expect((await limiter.acquire(request([limited]))).allowed).toBe(false);
      }));

    it('expires a concurrency slot whose lease is never completed', () =>
      withFixture(async ({ limiter, passTime }) => {
        const limited = key('k-lost', { concurrentRequests: 1 });
        allowedLease(await limiter.acquire(request([limited])));
        await passTime(DEFAULT_LEASE_TTL_MS - 300);
        expect(await limiter.acquire(request([limited]))).toMatchObject({ allowed: false, limit: 'concurrent', retryAfterMs: 300 });
        await passTime(300);
        expect((await limiter.acquire(request([limited]))).allowed).toBe(true);
      }));

    it('refunds no further than full, even long after the charge', () =>
      withFixture(async ({ limiter, passTime }) => {
        const limited = key('k-late', { tokensPerMinute: 1_000 });
        const lease = allowedLease(await limiter.acquire(request([limited], 1_000)));
        await passTime(60_000);
        await lease.complete(0);
        expect((await limiter.acquire(request([limited], 1_000))).allowed).toBe(true);
        expect(await limiter.acquire(request([limited], 1))).toMatchObject({ allowed: false, retryAfterMs: 60 });
      }));

    it('lets overuse put a subject in debt for longer than a minute', () =>
      withFixture(async ({ limiter }) => {
        const limited = key('k-debt', { tokensPerMinute: 1_000 });
        await allowedLease(await limiter.acquire(request([limited], 100))).complete(2_000);
        // 2000 tokens owed at 60 ms each: 120 s, of which the last 60 s are the normal window.
        expect(await limiter.acquire(request([limited], 1))).toMatchObject({ allowed: false, retryAfterMs: 60_060, state: { tokens: { remaining: 0, resetMs: 120_000 } } });
      }));
  });
}
