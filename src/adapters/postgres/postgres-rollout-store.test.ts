import { afterAll, beforeAll, describe } from 'vitest';
import { rolloutStoreContract } from '../../ops/rollouts/rollout-store-contract.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresRolloutStore } from './postgres-rollout-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresRolloutStore', () => {
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
  rolloutStoreContract('postgres', async () => ({
    store: await createPostgresRolloutStore(pool(), { schema }),
    replica: await createPostgresRolloutStore(pool(), { schema }),
    close: async () => {},
  }));
});
