import { afterAll, beforeAll, describe } from 'vitest';
import { incidentEvidenceContract } from '../../ops/incidents/incident-evidence-contract.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresAuditStore } from './postgres-audit-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

// The incident's timeline and bundle read from an audit log shared by the replicas.
describe.runIf(url !== undefined)('incident evidence on PostgreSQL', () => {
  let schema: string;
  let drop: () => Promise<void>;
  let pool: PostgresPool | undefined;

  beforeAll(async () => {
    ({ schema, drop } = await createTestSchema(url as string));
  });
  afterAll(async () => {
    await pool?.end();
    await drop?.();
  });

  incidentEvidenceContract('postgres', async () => {
    pool = openPostgres({ url: url as string, schema, maxConnections: 4 });
    return { store: await createPostgresAuditStore(pool, { schema }), close: async () => {} };
  });
});
