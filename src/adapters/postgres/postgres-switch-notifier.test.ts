import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SwitchNotice } from '../../ops/switches/switch-notifier.js';
import { switchPropagationSuite } from '../../ops/switches/switch-propagation-contract.js';
import { testServiceUrl, uniqueTestName } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresSwitchNotifier } from './postgres-switch-notifier.js';
import { createPostgresSwitchStore } from './postgres-switch-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

async function terminate(pool: PostgresPool, applicationName: string): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  for (const { pid } of rows) await pool.query('SELECT pg_terminate_backend($1)', [pid]);
  return rows.length;
}

describe.runIf(url !== undefined)('postgres switch notifier', () => {
  const connectionUrl = url ?? '';
  let schema: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ schema, drop } = await createTestSchema(connectionUrl));
  });
  afterAll(async () => {
    await drop?.();
  });

  // Two pools and two listening connections stand for two replicas. The store NOTIFYs in the
  // flip's transaction, so A's store is the writer as it is.
  switchPropagationSuite('postgres LISTEN/NOTIFY', async () => {
    const channel = uniqueTestName('switches');
    const nameB = uniqueTestName('palisade-switches-b');
    const [poolA, poolB] = [openPostgres({ url: connectionUrl, schema, maxConnections: 4 }), openPostgres({ url: connectionUrl, schema, maxConnections: 4 })];
    const storeA = await createPostgresSwitchStore(poolA, { schema, channel });
    const storeB = await createPostgresSwitchStore(poolB, { schema, channel });
    const notifierA = await createPostgresSwitchNotifier({ url: connectionUrl, channel });
    const notifierB = await createPostgresSwitchNotifier({ url: connectionUrl, channel, applicationName: nameB });
    return {
      writer: storeA,
      a: { store: storeA, notifier: notifierA },
      b: { store: storeB, notifier: notifierB },
      dropSubscriber: async () => {
        expect(await terminate(poolA, nameB)).toBe(1);
      },
      close: async () => {
        await Promise.all([notifierA.close(), notifierB.close()]);
        await Promise.all([poolA.end(), poolB.end()]);
      },
    };
  });

  describe('on a real server', () => {
    it('delivers versions published by NOTIFY, ignores other payloads, and survives a throwing listener', async () => {
      const channel = uniqueTestName('switches');
      const notifier = await createPostgresSwitchNotifier({ url: connectionUrl, channel });
      const sender = new pg.Client({ connectionString: connectionUrl });
      await sender.connect();
      try {
        const heard: SwitchNotice[] = [];
        notifier.subscribe(() => {
          throw new Error('listener bug');
        });
        notifier.subscribe((notice) => heard.push(notice));
        await sender.query('SELECT pg_notify($1, $2)', [channel, 'not a version']);
        await sender.query('SELECT pg_notify($1, $2)', [uniqueTestName('other'), '5']);
        await notifier.publish(6);
        await vi.waitFor(() => expect(heard).toEqual([{ type: 'changed', version: 6 }]));
        // A NOTIFY inside a transaction that rolls back is never delivered.
        await sender.query('BEGIN');
        await sender.query('SELECT pg_notify($1, $2)', [channel, '9']);
        await sender.query('ROLLBACK');
        await sender.query('SELECT pg_notify($1, $2)', [channel, '10']);
        await vi.waitFor(() => expect(heard.at(-1)).toEqual({ type: 'changed', version: 10 }));
        expect(heard).toHaveLength(2);
      } finally {
        await sender.end();
        await notifier.close();
      }
    });

    it('reconnects after its connection is terminated, says resubscribed, and closes cleanly', async () => {
      const pool = openPostgres({ url: connectionUrl, schema, maxConnections: 2 });
      const channel = uniqueTestName('switches');
      const applicationName = uniqueTestName('palisade-switches-reconnect');
      const errors: unknown[] = [];
      const notifier = await createPostgresSwitchNotifier({ url: connectionUrl, channel, applicationName, onError: (error) => errors.push(error) });
      try {
        const heard: SwitchNotice[] = [];
        notifier.subscribe((notice) => heard.push(notice));
        expect(await terminate(pool, applicationName)).toBe(1);
        await vi.waitFor(() => expect(heard).toContainEqual({ type: 'resubscribed' }), { timeout: 3_000 });
        expect(errors.length).toBeGreaterThan(0);
        await notifier.publish(3);
        await vi.waitFor(() => expect(heard.at(-1)).toEqual({ type: 'changed', version: 3 }));
        await notifier.close();
        await vi.waitFor(async () => expect(await terminate(pool, applicationName)).toBe(0));
        await expect(notifier.publish(4)).rejects.toMatchObject({ code: 'unavailable' });
      } finally {
        await notifier.close();
        await pool.end();
      }
    });

    it('refuses to start when PostgreSQL cannot be reached', async () => {
      await expect(createPostgresSwitchNotifier({ url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 300 })).rejects.toThrow();
    });
  });
});
