import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitSubject } from '../../limits/rate-limiter.js';
import { rateLimiterContract } from '../../limits/rate-limiter-contract.js';
import { testServiceUrl, uniqueTestName } from '../../test-support/test-services.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

const url = testServiceUrl('PALISADE_TEST_REDIS_URL');

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

describe.runIf(url !== undefined)('redis rate limiter', () => {
  const connectionUrl = url ?? '';

  rateLimiterContract('redis rate limiter', async () => {
    const redis = new Redis(connectionUrl);
    const keyPrefix = `${uniqueTestName('palisade_limits')}:`;
    const limiter = createRedisRateLimiter({ redis, keyPrefix });
    return {
      limiter,
      cleanup: async () => {
        await limiter.close();
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      },
    };
  });

  describe('on a real server', () => {
    let redis: Redis;
    let replica: Redis;
    let keyPrefix: string;
    let count = 0;
    const acquire = (limiter: ReturnType<typeof createRedisRateLimiter>, subjects: LimitSubject[], estimatedTokens = 0) =>
      limiter.acquire({ subjects, estimatedTokens, requestId: `request-${++count}` });

    beforeAll(() => {
      redis = new Redis(connectionUrl);
      replica = new Redis(connectionUrl);
      keyPrefix = `${uniqueTestName('palisade_limits')}:`;
    });

    afterAll(async () => {
      await deleteKeys(redis, keyPrefix);
      await Promise.all([redis.quit(), replica.quit()]);
    });

    it('shares limits between replicas on separate connections', async () => {
      const first = createRedisRateLimiter({ redis, keyPrefix });
      const second = createRedisRateLimiter({ redis: replica, keyPrefix });
      const subject: LimitSubject = { kind: 'tenant', id: 'shared', limits: { requestsPerMinute: 10, concurrentRequests: 5 } };
      const results = await Promise.all(Array.from({ length: 30 }, (_, index) => acquire(index % 2 === 0 ? first : second, [subject])));
      const admitted = results.filter((result) => result.allowed);
      expect(admitted).toHaveLength(5);
      expect(results.filter((result) => !result.allowed && result.limit === 'concurrent')).toHaveLength(25);
      // A slot taken on one replica is freed by completing it there, and the other replica sees it.
      const [lease] = admitted;
      if (lease?.allowed) await lease.lease.complete();
      expect((await acquire(second, [subject])).allowed).toBe(true);
      expect(await acquire(first, [subject])).toMatchObject({ allowed: false, limit: 'concurrent' });
    });

    it('sets an expiry on every key, so idle subjects vanish', async () => {
      const limiter = createRedisRateLimiter({ redis, keyPrefix: `${keyPrefix}expiry:` });
      const result = await acquire(limiter, [{ kind: 'key', id: 'idle', limits: { requestsPerMinute: 6_000, tokensPerMinute: 60_000, concurrentRequests: 1 } }], 10);
      const keys = await redis.keys(`${keyPrefix}expiry:*`);
      expect(keys.sort()).toEqual([`${keyPrefix}expiry:{key:idle}:leases`, `${keyPrefix}expiry:{key:idle}:requests`, `${keyPrefix}expiry:{key:idle}:tokens`]);
      for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
      // 6000 requests a minute replenish one in 10 ms, 10 of 60000 tokens in 10 ms too.
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (result.allowed) await result.lease.complete();
      expect(await redis.keys(`${keyPrefix}expiry:*`)).toEqual([]);
    });

    it('expires a concurrency slot whose lease is never completed', async () => {
      const limiter = createRedisRateLimiter({ redis, keyPrefix, leaseTtlMs: 200 });
      const subject: LimitSubject = { kind: 'key', id: 'lost-lease', limits: { concurrentRequests: 1 } };
      expect((await acquire(limiter, [subject])).allowed).toBe(true);
      const refused = await acquire(limiter, [subject]);
      expect(refused).toMatchObject({ allowed: false, limit: 'concurrent' });
      if (refused.allowed) return;
      expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
      await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
      expect((await acquire(limiter, [subject])).allowed).toBe(true);
    });

    it('keeps subjects of different prefixes apart, and ids cannot escape their hash tag', async () => {
      const one = createRedisRateLimiter({ redis, keyPrefix: `${keyPrefix}one:` });
      const other = createRedisRateLimiter({ redis, keyPrefix: `${keyPrefix}other:` });
      const subject: LimitSubject = { kind: 'key', id: 'a}:tokens{b', limits: { requestsPerMinute: 1 } };
      expect((await acquire(one, [subject])).allowed).toBe(true);
      expect((await acquire(other, [subject])).allowed).toBe(true);
      expect((await acquire(one, [subject])).allowed).toBe(false);
      expect(await redis.keys(`${keyPrefix}one:*`)).toEqual([`${keyPrefix}one:{key:a%7D%3Atokens%7Bb}:requests`]);
    });

    it('throws when Redis cannot be reached, and does not swallow the error', async () => {
      const unreachable = new Redis(connectionUrl, { lazyConnect: true, enableOfflineQueue: false });
      const limiter = createRedisRateLimiter({ redis: unreachable, keyPrefix });
      await expect(acquire(limiter, [{ kind: 'key', id: 'down', limits: { requestsPerMinute: 1 } }])).rejects.toThrow();
      // Subjects without limits need no Redis at all.
      expect((await acquire(limiter, [{ kind: 'key', id: 'down', limits: {} }])).allowed).toBe(true);
      unreachable.disconnect();
    });

    it('throws when a completion cannot reach Redis', async () => {
      const connection = new Redis(connectionUrl);
      const limiter = createRedisRateLimiter({ redis: connection, keyPrefix });
      const result = await acquire(limiter, [{ kind: 'key', id: 'complete-down', limits: { tokensPerMinute: 1_000 } }], 100);
      await connection.quit();
      if (!result.allowed) throw new Error('expected admission');
      await expect(result.lease.complete(50)).rejects.toThrow();
    });
  });
});
