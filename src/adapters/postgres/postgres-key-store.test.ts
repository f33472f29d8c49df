import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../keys/api-keys.js';
import { keyStoreContract } from '../../keys/key-store-contract.js';
import { createTenant } from '../../keys/tenants.js';
import { testServiceUrl } from '../../test-support/test-services.js';
import { openPostgres, type PostgresPool } from './open-postgres.js';
import { createPostgresKeyStore } from './postgres-key-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgresKeyStore', () => {
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
  keyStoreContract('postgres', async () => ({
    store: await createPostgresKeyStore(await pool(), { schema }),
    replica: await createPostgresKeyStore(await pool(), { schema }),
    close: async () => {},
  }));

  it('stores the hash, never the plaintext key', async () => {
    const db = await pool();
    const store = await createPostgresKeyStore(db, { schema });
    await createTenant(store, { id: 'plaintext-check', name: 'Plaintext check' });
    const issued = await createApiKey(store, { tenantId: 'plaintext-check', scopes: ['inference'] });
    const { rows } = await db.query('SELECT * FROM api_keys WHERE tenant_id = $1', ['plaintext-check']);
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(issued.key.slice(issued.key.lastIndexOf('_') + 1));
    expect(stored).toContain(issued.record.prefix);
  });
});
