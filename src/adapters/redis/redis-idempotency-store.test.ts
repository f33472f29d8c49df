import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyStoreContract } from '../../idempotency/idempotency-store-contract.js';
import { testServiceUrl, uniqueTestName } from '../../test-support/test-services.js';
import { createRedisIdempotencyStore } from './redis-idempotency-store.js';

const url = testServiceUrl('PALISADE_TEST_REDIS_URL');

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

describe.runIf(url !== undefined)('redis idempotency store', () => {
  const connectionUrl = url ?? '';

  idempotencyStoreContract('redis idempotency store', async () => {
    const redis = new Redis(connectionUrl);
    const keyPrefix = `${uniqueTestName('palisade_idempotency')}:`;
    const store = createRedisIdempotencyStore({ redis, keyPrefix });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      },
    };
  });

  describe('on a real server', () => {
    let redis: Redis;
    let replica: Redis;
    let keyPrefix: string;

    beforeAll(() => {
      redis = new Redis(connectionUrl);
      replica = new Redis(connectionUrl);
      keyPrefix = `${uniqueTestName('palisade_idempotency')}:`;
    });

    afterAll(async () => {
      await deleteKeys(redis, keyPrefix);
      await Promise.all([redis.quit(), replica.quit()]);
    });

    it('lets one replica claim a key and another replay its response', async () => {
      const first = createRedisIdempotencyStore({ redis, keyPrefix });
      const second = createRedisIdempotencyStore({ redis: replica, keyPrefix });
      const results = await Promise.all([first.begin({ key: 't:k', fingerprint: 'fp', leaseMs: 60_000 }), second.begin({ key: 't:k', fingerprint: 'fp', leaseMs: 60_000 })]);
      expect(results.map((result) => result.state).sort()).toEqual(['claimed', 'in_progress']);
      const [winner, other] = results[0]?.state === 'claimed' ? [first, second] : [second, first];
      const owner = results.map((result) => (result.state === 'claimed' ? result.owner : '')).join('');
      await winner.complete({ key: 't:k', owner, response: { status: 200, headers: {}, body: '{}' }, ttlMs: 60_000 });
      expect(await other.begin({ key: 't:k', fingerprint: 'fp', leaseMs: 60_000 })).toEqual({ state: 'done', response: { status: 200, headers: {}, body: '{}' } });
    });

    it('sets an expiry on every key it writes: the lease while in progress, the TTL once done', async () => {
      const store = createRedisIdempotencyStore({ redis, keyPrefix });
      const begun = await store.begin({ key: 't:expiring', fingerprint: 'fp', leaseMs: 30_000 });
      const owner = begun.state === 'claimed' ? begun.owner : '?';
      expect(await redis.pttl(`${keyPrefix}t:expiring`)).toBeGreaterThan(29_000);
      expect(await redis.pttl(`${keyPrefix}t:expiring`)).toBeLessThanOrEqual(30_000);
      await store.renew({ key: 't:expiring', owner, leaseMs: 60_000 });
      expect(await redis.pttl(`${keyPrefix}t:expiring`)).toBeGreaterThan(59_000);
      await store.complete({ key: 't:expiring', owner, response: { status: 200, headers: {}, body: '' }, ttlMs: 86_400_000 });
      expect(await redis.pttl(`${keyPrefix}t:expiring`)).toBeGreaterThan(86_399_000);
      // The stored response does not keep the owner token.
      expect(await redis.hget(`${keyPrefix}t:expiring`, 'owner')).toBeNull();
    });

    it('throws on a stored response it cannot read', async () => {
      const store = createRedisIdempotencyStore({ redis, keyPrefix });
      await redis.hset(`${keyPrefix}t:corrupt`, { state: 'done', fingerprint: 'fp', response: '{"status":"200"}' });
      await expect(store.begin({ key: 't:corrupt', fingerprint: 'fp', leaseMs: 60_000 })).rejects.toMatchObject({ code: 'internal_error' });
    });

    it('throws when Redis cannot be reached, and does not swallow the error', async () => {
      const unreachable = new Redis(connectionUrl, { lazyConnect: true, enableOfflineQueue: false });
      const store = createRedisIdempotencyStore({ redis: unreachable, keyPrefix });
      await expect(store.begin({ key: 't:down', fingerprint: 'fp', leaseMs: 60_000 })).rejects.toThrow();
      await expect(store.renew({ key: 't:down', owner: 'owner', leaseMs: 60_000 })).rejects.toThrow();
      await expect(store.complete({ key: 't:down', owner: 'owner', response: { status: 200, headers: {}, body: '' }, ttlMs: 60_000 })).rejects.toThrow();
      await expect(store.release({ key: 't:down', owner: 'owner' })).rejects.toThrow();
      unreachable.disconnect();
    });
  });
});
