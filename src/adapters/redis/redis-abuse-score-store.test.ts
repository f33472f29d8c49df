import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abuseScoreStoreContract } from '../../ops/abuse/abuse-score-store-contract.js';
import { escalationPolicy } from '../../ops/abuse/abuse-score-store.js';
import { testServiceUrl, uniqueTestName } from '../../test-support/test-services.js';
import { createRedisAbuseScoreStore } from './redis-abuse-score-store.js';

const url = testServiceUrl('PALISADE_TEST_REDIS_URL');

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

describe.runIf(url !== undefined)('redis abuse score store', () => {
  const connectionUrl = url ?? '';

  abuseScoreStoreContract('redis abuse score store', async () => {
    // Two connections stand for two gateway replicas.
    const redis = new Redis(connectionUrl);
    const other = new Redis(connectionUrl);
    const keyPrefix = `${uniqueTestName('palisade_abuse')}:`;
    const store = createRedisAbuseScoreStore({ redis, keyPrefix });
    const replica = createRedisAbuseScoreStore({ redis: other, keyPrefix });
    return {
      store,
      replica,
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
        await deleteKeys(redis, keyPrefix);
        await Promise.all([redis.quit(), other.quit()]);
      },
    };
  });

  describe('on a real server', () => {
    let redis: Redis;
    let keyPrefix: string;

    beforeAll(() => {
      redis = new Redis(connectionUrl);
      keyPrefix = `${uniqueTestName('palisade_abuse')}:`;
    });
    afterAll(async () => {
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
    });

    it('keeps a subject in two keys of one slot, each expiring on its own', async () => {
      const store = createRedisAbuseScoreStore({ redis, keyPrefix });
      const policy = escalationPolicy({ windowMs: 60_000, throttleAt: 2, suspendAt: 50, throttleForMs: 120_000 });
      const subject = { kind: 'user' as const, id: 'u/1 {x}' };
      const result = await store.record({ subject, weight: 2, policy });
      const base = `${keyPrefix}{user:${encodeURIComponent(subject.id)}}`;
      expect(await redis.zcard(`${base}:violations`)).toBe(1);
      const violationsTtl = await redis.pttl(`${base}:violations`);
      expect(violationsTtl).toBeGreaterThan(0);
      expect(violationsTtl).toBeLessThanOrEqual(60_000);
      expect(await redis.get(`${base}:state`)).toBe(`throttled:${result.current.until?.getTime()}`);
      const stateTtl = await redis.pttl(`${base}:state`);
      expect(stateTtl).toBeGreaterThan(60_000);
      expect(stateTtl).toBeLessThanOrEqual(120_000);
    });

    it('keeps at most the newest violations of a subject', async () => {
      const store = createRedisAbuseScoreStore({ redis, keyPrefix });
      const policy = escalationPolicy({ windowMs: 60_000, throttleAt: 100_000, suspendAt: 100_000 });
      const subject = { kind: 'key' as const, id: 'flood' };
      const results = [];
      for (let index = 0; index < 1_005; index++) results.push(store.record({ subject, weight: 1, policy }));
      const scores = (await Promise.all(results)).map((result) => result.score);
      expect(Math.max(...scores)).toBe(1_000);
    });

    it('throws when Redis cannot be reached, and does not swallow the error', async () => {
      const unreachable = new Redis(connectionUrl, { lazyConnect: true, enableOfflineQueue: false });
      const store = createRedisAbuseScoreStore({ redis: unreachable, keyPrefix });
      await expect(store.record({ subject: { kind: 'key', id: 'down' }, weight: 1, policy: escalationPolicy() })).rejects.toThrow();
      await expect(store.read([{ kind: 'key', id: 'down' }])).rejects.toThrow();
      unreachable.disconnect();
    });
  });
});
