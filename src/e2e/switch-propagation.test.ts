import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PostgresPool } from '../adapters/postgres/open-postgres.js';
import { createPostgresSwitchStore } from '../adapters/postgres/postgres-switch-store.js';
import { createTestSchema } from '../adapters/postgres/test-support/test-schema.js';
import { createRedisSwitchNotifier } from '../adapters/redis/redis-switch-notifier.js';
import { createNotifyingSwitchStore } from '../ops/switches/notifying-switch-store.js';
import type { SwitchFlip, SwitchStore } from '../ops/switches/switch-store.js';
import { testServiceUrl, uniqueTestName } from '../test-support/test-services.js';
import { writeGatewayConfig } from './test-support/gateway-config-file.js';
import { startGatewayProcess, type GatewayProcess } from './test-support/gateway-process.js';
import { redisKeys } from './test-support/redis-keys.js';

/**
 * A kill switch flipped anywhere reaches every replica: two `palisade serve` processes on one
 * PostgreSQL schema, told by Redis pub/sub, or by PostgreSQL LISTEN/NOTIFY when there is no
 * Redis. The periodic full re-read is set far longer than the waits here, so a refusal within
 * them can only come from the notice — except in the test of a lost notice, which relies on it.
 * (How fast a notice travels is measured in BENCHMARKS.md, not asserted here.)
 */

const databaseUrl = testServiceUrl('PALISADE_TEST_DATABASE_URL');
const redisUrl = testServiceUrl('PALISADE_TEST_REDIS_URL');

function post(replica: GatewayProcess, key: string): Promise<Response> {
  return fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'palisade-demo', messages: [{ role: 'user', content: 'Hello from a switch test' }] }),
  });
}

/** Milliseconds until every replica answers `status`, polling each; throws after `timeoutMs`. */
async function untilAll(replicas: readonly GatewayProcess[], key: string, status: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const pending = new Set(replicas);
  while (pending.size > 0) {
    if (performance.now() - started > timeoutMs) throw new Error(`${pending.size} replica(s) did not answer ${status} within ${timeoutMs} ms`);
    for (const replica of [...pending]) if ((await post(replica, key)).status === status) pending.delete(replica);
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

const flip = (store: SwitchStore, flip: Omit<SwitchFlip, 'actor' | 'at'>) => store.set({ ...flip, actor: 'test', at: new Date() });

describe.runIf(databaseUrl !== undefined && redisUrl !== undefined)('kill-switch propagation across two replicas', () => {
  const database = databaseUrl as string;
  const redis = redisUrl as string;

  describe('with Redis pub/sub', () => {
    const prefix = `${uniqueTestName('palisade_switch')}:`;
    let schema: { schema: string; drop: () => Promise<void> };
    let config: ReturnType<typeof writeGatewayConfig>;
    let replicas: GatewayProcess[] = [];
    let key: string;
    let pool: PostgresPool;
    let publisher: Redis;
    let stored: SwitchStore;
    let announced: SwitchStore;
    let closeNotifier: () => Promise<void>;

    beforeAll(async () => {
      schema = await createTestSchema(database);
      config = writeGatewayConfig({ storage: { postgres_schema: schema.schema }, limits: { redis_key_prefix: prefix }, logging: { level: 'warn' }, operations: { switches: { refresh_ms: 8_000 } } });
      const env = { PALISADE_DATABASE_URL: database, PALISADE_REDIS_URL: redis };
      replicas.push(await startGatewayProcess({ configFile: config.file, env }));
      replicas.push(await startGatewayProcess({ configFile: config.file, env }));
      key = replicas[0]?.bootstrapKey as string;
      pool = openPostgres({ url: database, schema: schema.schema });
      stored = await createPostgresSwitchStore(pool, { schema: schema.schema, channel: `palisade_switches_${schema.schema}` });
      publisher = new Redis(redis);
      // As the gateway and the CLI do with Redis configured: store the flip, then publish its version.
      const notifier = await createRedisSwitchNotifier({ redis: publisher, channel: `${prefix}switches` });
      closeNotifier = () => notifier.close();
      announced = createNotifyingSwitchStore({ store: stored, notifier });
    }, 90_000);

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.kill()));
      replicas = [];
      await closeNotifier?.();
      publisher?.disconnect();
      await pool?.end();
      await schema?.drop();
      config?.remove();
      await redisKeys(redis, prefix, { remove: true });
    });

    it('serves on both replicas, refuses on both soon after a flip, and serves again after the flip back', async () => {
      expect(key).toMatch(/^psk_/);
      expect(await untilAll(replicas, key, 200, 5_000)).toBeGreaterThanOrEqual(0);
      await flip(announced, { scope: 'global', id: '*', state: 'off', reason: 'propagation test' });
      // Far below the 8 s re-read: the notice did it.
      expect(await untilAll(replicas, key, 503, 4_000)).toBeLessThan(4_000);
      await flip(announced, { scope: 'global', id: '*', state: 'on', reason: 'propagation test over' });
      expect(await untilAll(replicas, key, 200, 4_000)).toBeLessThan(4_000);
    });

    it('catches up at the periodic re-read when the notice is lost', async () => {
      // Stored but never published: the replicas hear nothing (they listen on Redis, not on PostgreSQL).
      await flip(stored, { scope: 'model', id: 'palisade-demo', state: 'off', reason: 'lost notice' });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const early = await Promise.all(replicas.map(async (replica) => (await post(replica, key)).status));
      expect(early).toEqual([200, 200]);
      expect(await untilAll(replicas, key, 503, 12_000)).toBeGreaterThan(0);
      await flip(announced, { scope: 'model', id: 'palisade-demo', state: 'on', reason: 'over' });
      await untilAll(replicas, key, 200, 4_000);
    }, 30_000);
  });

  describe('with PostgreSQL LISTEN/NOTIFY (no Redis)', () => {
    let schema: { schema: string; drop: () => Promise<void> };
    let config: ReturnType<typeof writeGatewayConfig>;
    let replicas: GatewayProcess[] = [];
    let key: string;
    let pool: PostgresPool;
    let stored: SwitchStore;

    beforeAll(async () => {
      schema = await createTestSchema(database);
      config = writeGatewayConfig({ storage: { postgres_schema: schema.schema }, logging: { level: 'warn' }, operations: { switches: { refresh_ms: 8_000 } } });
      const env = { PALISADE_DATABASE_URL: database };
      replicas.push(await startGatewayProcess({ configFile: config.file, env }));
      replicas.push(await startGatewayProcess({ configFile: config.file, env }));
      key = replicas[0]?.bootstrapKey as string;
      pool = openPostgres({ url: database, schema: schema.schema });
      // The store NOTIFYs in each flip's transaction: nothing else to publish.
      stored = await createPostgresSwitchStore(pool, { schema: schema.schema, channel: `palisade_switches_${schema.schema}` });
    }, 90_000);

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.kill()));
      replicas = [];
      await pool?.end();
      await schema?.drop();
      config?.remove();
    });

    it('refuses on both replicas soon after a flip committed by another process', async () => {
      await untilAll(replicas, key, 200, 5_000);
      await flip(stored, { scope: 'global', id: '*', state: 'off', reason: 'drain for the test' });
      expect(await untilAll(replicas, key, 503, 4_000)).toBeLessThan(4_000);
      await flip(stored, { scope: 'global', id: '*', state: 'on', reason: 'back' });
      expect(await untilAll(replicas, key, 200, 4_000)).toBeLessThan(4_000);
    });
  });
});
