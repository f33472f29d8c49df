import { afterAll, beforeAll, describe } from 'vitest';
import { testServiceUrl } from '../../test-support/test-services.js';
import { approvalStoreContract } from '../../tools/approval-store-contract.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresApprovalStore } from './postgres-approval-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresApprovalStore', () => {
  let schema: string;
  let drop: () => Promise<void>;
  const pools: PostgresPool[] = [];

  async function pool(): Promise<PostgresPool> {
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
  approvalStoreContract('postgres', async () => ({
    store: await createPostgresApprovalStore(await pool(), { schema }),
    replica: await createPostgresApprovalStore(await pool(), { schema }),
    close: async () => {},
  }));
});
