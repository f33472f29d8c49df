import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchStoreContract } from '../../ops/switches/switch-store-contract.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresSwitchStore } from './postgres-switch-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresSwitchStore', () => {
  let schema: string;
  let drop: () => Promise<void>;
  const pools: PostgresPool[] = [];

  function pool(): PostgresPool {
    const opened = openPostgres({ url: url as string, schema, maxConnections: 8 });
    pools.push(opened);
    return opened;
  }

  beforeAll(async () => {
    ({ schema, drop } = await createTestSchema(url as string));
  });
  afterAll(async () => {
    await Promise.all(pools.map((opened) => opened.end()));
    await drop?.();
  });

  // Two pools stand for two gateway replicas on one database.
  switchStoreContract('postgres', async () => ({
    store: await createPostgresSwitchStore(pool(), { schema, channel: schema }),
    replica: await createPostgresSwitchStore(pool(), { schema, channel: schema }),
    close: async () => {},
  }));

  it('announces each flip on its channel with its version, when it commits', async () => {
    const store = await createPostgresSwitchStore(pool(), { schema, channel: `${schema}_announce` });
    const listener = new pg.Client({ connectionString: url as string });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (message) => heard.push(`${message.channel}:${message.payload ?? ''}`));
      await listener.query(`LISTEN "${schema}_announce"`);
      const made = await store.set({ scope: 'detector', id: 'pii', state: 'off', reason: 'false positives storm', actor: 'cli', at: new Date() });
      await expect.poll(() => heard, { timeout: 2_000 }).toEqual([`${schema}_announce:${made.version}`]);
      // A refused flip rolls back: no version used, nothing announced.
      await expect(store.set({ scope: 'detector', id: 'pii', state: 'off', reason: '', actor: 'cli', at: new Date() })).rejects.toMatchObject({ code: 'invalid_argument' });
      expect((await store.list()).version).toBe(made.version);
    } finally {
      await listener.end();
    }
  });

  it('rolls back a flip that fails in the database, leaving the version and the switch as they were', async () => {
    const opened = pool();
    const store = await createPostgresSwitchStore(opened, { schema, channel: schema });
    const before = await store.list();
    await opened.query('ALTER TABLE kill_switches ADD CONSTRAINT refuse_detectors CHECK (scope <> \'detector\') NOT VALID');
    try {
      await expect(store.set({ scope: 'detector', id: 'toxicity', state: 'off', reason: 'test', actor: 'cli', at: new Date() })).rejects.toThrow(/refuse_detectors/);
    } finally {
      await opened.query('ALTER TABLE kill_switches DROP CONSTRAINT refuse_detectors');
    }
    expect(await store.list()).toEqual(before);
    expect(await store.history({ scope: 'detector', id: 'toxicity', limit: 10 })).toEqual([]);
  });
});
