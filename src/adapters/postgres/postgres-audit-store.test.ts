import { afterAll, beforeAll, describe } from 'vitest';
import { auditStoreContract } from '../../audit/audit-store-contract.js';
import type { AuditTamper } from '../../audit/audit-tamper-contract.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresAuditStore } from './postgres-audit-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

/** Raw SQL on the tables, as someone with write access to the database would. */
function postgresTamper(pool: PostgresPool): AuditTamper {
  return {
    setEventJson: async ({ writerId, seq, json }) => {
      await pool.query('UPDATE audit_events SET event_json = $3 WHERE writer_id = $1 AND seq = $2', [writerId, seq, json]);
    },
    deleteEvents: async ({ writerId, seqs }) => {
      await pool.query('DELETE FROM audit_events WHERE writer_id = $1 AND seq = ANY($2::bigint[])', [writerId, seqs]);
    },
    swapEvents: async ({ writerId, seqs: [first, second] }) => {
      await pool.query('UPDATE audit_events SET seq = $3 WHERE writer_id = $1 AND seq = $2', [writerId, first, -1]);
      await pool.query('UPDATE audit_events SET seq = $3 WHERE writer_id = $1 AND seq = $2', [writerId, second, first]);
      await pool.query('UPDATE audit_events SET seq = $3 WHERE writer_id = $1 AND seq = $2', [writerId, -1, second]);
    },
    setTenantColumn: async ({ writerId, seq, tenantId }) => {
      await pool.query('UPDATE audit_events SET tenant_id = $3 WHERE writer_id = $1 AND seq = $2', [writerId, seq, tenantId]);
    },
    deleteWriter: async (writerId) => {
      await pool.query('DELETE FROM audit_events WHERE writer_id = $1', [writerId]);
      await pool.query('DELETE FROM audit_writers WHERE writer_id = $1', [writerId]);
    },
    setWriterHead: async ({ writerId, head }) => {
      await pool.query('UPDATE audit_writers SET head_seq = $2, head_hash = $3 WHERE writer_id = $1', [writerId, head.seq, head.hash]);
    },
    setAnchorJson: async ({ seq, json }) => {
      await pool.query('UPDATE audit_anchors SET body_json = $2 WHERE seq = $1', [seq, json]);
    },
    deleteAnchors: async ({ fromSeq }) => {
      await pool.query('DELETE FROM audit_anchors WHERE seq >= $1', [fromSeq]);
      await pool.query('DELETE FROM audit_anchor_heads WHERE anchor_seq >= $1', [fromSeq]);
    },
  };
}

describe.runIf(url !== undefined)('PostgresAuditStore', () => {
  let schema: { schema: string; drop: () => Promise<void> };
  let pool: PostgresPool;
  let replicaPool: PostgresPool;

  beforeAll(async () => {
    schema = await createTestSchema(url ?? '');
    pool = openPostgres({ url: url ?? '', schema: schema.schema, maxConnections: 4 });
    replicaPool = openPostgres({ url: url ?? '', schema: schema.schema, maxConnections: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await replicaPool?.end();
    await schema?.drop();
  });

  auditStoreContract('postgres', async () => {
    const store = await createPostgresAuditStore(pool, { schema: schema.schema });
    await pool.query('TRUNCATE audit_events, audit_writers, audit_anchors, audit_anchor_heads, audit_pruned_anchors');
    const replica = await createPostgresAuditStore(replicaPool, { schema: schema.schema });
    return { store, replica, tamper: postgresTamper(pool), close: async () => {} };
  });
});
