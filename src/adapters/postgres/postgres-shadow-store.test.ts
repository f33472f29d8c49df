import { afterAll, beforeAll, describe } from 'vitest';
import { shadowStoreContract } from '../../ops/rollouts/shadow-store-contract.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresShadowStore } from './postgres-shadow-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresShadowStore', () => {
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
  shadowStoreContract('postgres', async (options) => ({
    store: await createPostgresShadowStore(pool(), { ...options, schema }),
    replica: await createPostgresShadowStore(pool(), { ...options, schema }),
    close: async () => {},
  }));
});
