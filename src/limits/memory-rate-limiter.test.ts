import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import { rateLimiterContract } from './rate-limiter-contract.js';

function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => Promise<void> } {
  let time = start;
  return {
    now: () => time,
    advance: async (ms) => {
      time += ms;
    },
  };
}

rateLimiterContract(
  'memory rate limiter',
  async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now });
    return { limiter, advance: clock.advance, cleanup: () => limiter.close() };
  },
  { virtualClock: true },
);

describe('memory rate limiter', () => {
  it('drops the state of idle subjects once they are replenished', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now });
    for (let index = 0; index < 100; index++) {
      await limiter.acquire({ subjects: [{ kind: 'key', id: `k-${index}`, limits: { requestsPerMinute: 10, tokensPerMinute: 1_000 } }], estimatedTokens: 10, requestId: `r-${index}` });
    }
    expect(limiter.trackedSubjects).toBe(100);
    await clock.advance(60_000);
    await limiter.acquire({ subjects: [{ kind: 'key', id: 'k-new', limits: { requestsPerMinute: 10 } }], estimatedTokens: 0, requestId: 'r-new' });
    expect(limiter.trackedSubjects).toBe(1);
  });

  it('keeps a subject while it holds a concurrency slot, and drops it when the slot is freed', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now });
    const subjects = [{ kind: 'tenant' as const, id: 't', limits: { concurrentRequests: 1 } }];
    const result = await limiter.acquire({ subjects, estimatedTokens: 0, requestId: 'r-1' });
    await clock.advance(120_000);
    await limiter.acquire({ subjects: [], estimatedTokens: 0, requestId: 'r-2' });
    expect(limiter.trackedSubjects).toBe(1);
    if (result.allowed) await result.lease.complete();
    expect(limiter.trackedSubjects).toBe(0);
  });

  it('takes the lease TTL as an option', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now, leaseTtlMs: 5_000 });
    const subjects = [{ kind: 'key' as const, id: 'k', limits: { concurrentRequests: 1 } }];
    await limiter.acquire({ subjects, estimatedTokens: 0, requestId: 'r-1' });
    await clock.advance(4_999);
    expect((await limiter.acquire({ subjects, estimatedTokens: 0, requestId: 'r-2' })).allowed).toBe(false);
    await clock.advance(1);
    expect((await limiter.acquire({ subjects, estimatedTokens: 0, requestId: 'r-3' })).allowed).toBe(true);
    expect(() => createMemoryRateLimiter({ leaseTtlMs: 0 })).toThrow(/leaseTtlMs/);
  });

  it('uses its own copy of the request, so the caller may change it after acquiring', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now });
    const limits = { tokensPerMinute: 1_000 };
    const request = { subjects: [{ kind: 'key' as const, id: 'k', limits }], estimatedTokens: 1_000, requestId: 'r-1' };
    const result = await limiter.acquire(request);
    request.estimatedTokens = 0;
    limits.tokensPerMinute = 1;
    if (result.allowed) await result.lease.complete(0);
    expect((await limiter.acquire({ subjects: [{ kind: 'key', id: 'k', limits: { tokensPerMinute: 1_000 } }], estimatedTokens: 1_000, requestId: 'r-2' })).allowed).toBe(true);
  });
});
