import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentStoreContract } from '../../ops/incidents/incident-store-contract.js';
import { newIncidentId } from '../../ops/incidents/incident-store.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresIncidentStore } from './postgres-incident-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresIncidentStore', () => {
  let schema: string;
  let drop: () => Promise<void>;
  const pools: PostgresPool[] = [];

  function pool(): PostgresPool {
    const opened = openPostgres({ url: url as string, schema, maxConnections: 4 });
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
  incidentStoreContract('postgres', async () => ({
    store: await createPostgresIncidentStore(pool(), { schema }),
    replica: await createPostgresIncidentStore(pool(), { schema }),
    close: async () => {},
  }));

  it('migrates once, however many replicas start together, and refuses a half-closed row', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => createPostgresIncidentStore(pool(), { schema })));
    const opened = await stores[0]?.open({ id: newIncidentId(), severity: 2, title: 'Quota storm', by: 'cli', now: new Date('2030-06-01T00:00:00.000Z') });
    expect(opened?.state).toBe('opened');
    const db = pool();
    expect((await db.query("SELECT count(*)::int AS n FROM palisade_migrations WHERE name = 'incidents-001'")).rows).toEqual([{ n: 1 }]);
    await expect(db.query("INSERT INTO incidents (id, severity, title, status, opened_at, opened_by, resolution) VALUES ('inc_half', 1, 't', 'open', now(), 'cli', 'r')")).rejects.toThrow(/check/i);
  });
});
