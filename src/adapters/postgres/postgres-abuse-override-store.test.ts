import { afterAll, beforeAll, describe } from 'vitest';
import { abuseOverrideStoreContract } from '../../ops/abuse/abuse-override-store-contract.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresAbuseOverrideStore } from './postgres-abuse-override-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresAbuseOverrideStore', () => {
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
  abuseOverrideStoreContract('postgres', async () => ({
    store: await createPostgresAbuseOverrideStore(pool(), { schema }),
    replica: await createPostgresAbuseOverrideStore(pool(), { schema }),
    close: async () => {},
  }));
});
