import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceUrl, uniqueTestName } from '../../test-support/test-services.js';
import { toolBudgetStoreContract } from '../../tools/tool-budget-store-contract.js';
import { createRedisToolBudgetStore } from './redis-tool-budget-store.js';

const url = testServiceUrl('PALISADE_TEST_REDIS_URL');

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

describe.runIf(url !== undefined)('redis tool budget store', () => {
  const connectionUrl = url ?? '';

  toolBudgetStoreContract('redis tool budget store', async () => {
    // Two connections stand for two gateway replicas.
    const redis = new Redis(connectionUrl);
    const other = new Redis(connectionUrl);
    const keyPrefix = `${uniqueTestName('palisade_tool_budgets')}:`;
    const store = createRedisToolBudgetStore({ redis, keyPrefix });
    const replica = createRedisToolBudgetStore({ redis: other, keyPrefix });
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
      keyPrefix = `${uniqueTestName('palisade_tool_budgets')}:`;
    });

    afterAll(async () => {
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
    });

    it('keeps each counter under the prefix, expiring when its window ends', async () => {
      const store = createRedisToolBudgetStore({ redis, keyPrefix });
      const result = await store.take({ key: 'session:s1:tool:search', limit: 5, windowMs: 60_000 });
      const ttl = await redis.pttl(`${keyPrefix}session:s1:tool:search`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(result.resetMs);
      expect(await redis.hget(`${keyPrefix}session:s1:tool:search`, 'count')).toBe('1');
      // A refusal writes nothing.
      const before = await redis.hgetall(`${keyPrefix}session:s1:tool:search`);
      await store.take({ key: 'session:s1:tool:search', limit: 1, windowMs: 60_000 });
      expect(await redis.hgetall(`${keyPrefix}session:s1:tool:search`)).toEqual(before);
    });

    it('uses the default prefix when none is given', async () => {
      const store = createRedisToolBudgetStore({ redis });
      const key = `${uniqueTestName('default_prefix')}`;
      try {
        await store.take({ key, limit: 1, windowMs: 60_000 });
        expect(await redis.exists(`palisade:tool-budgets:${key}`)).toBe(1);
      } finally {
        await redis.del(`palisade:tool-budgets:${key}`);
      }
    });

    it('throws when Redis cannot be reached, and does not swallow the error', async () => {
      const unreachable = new Redis(connectionUrl, { lazyConnect: true, enableOfflineQueue: false });
      const store = createRedisToolBudgetStore({ redis: unreachable, keyPrefix });
      await expect(store.take({ key: 'down', limit: 1, windowMs: 60_000 })).rejects.toThrow();
      unreachable.disconnect();
    });
  });
});
