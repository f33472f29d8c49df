import { describe, expect, it } from 'vitest';
import { testServiceUrl } from '../../test-support/test-services.js';
import { generateToolSigningKey } from '../../tools/tool-signing-key.js';
import { toolSigningKeyStoreContract } from '../../tools/tool-signing-key-store-contract.js';
import { openPostgres } from './open-postgres.js';
import { createPostgresToolSigningKeyStore } from './postgres-tool-signing-key-store.js';
import { createTestSchema } from './test-support/test-schema.js';

const url = testServiceUrl('PALISADE_TEST_DATABASE_URL');

describe.runIf(url !== undefined)('PostgreSQL tool signing key store', () => {
  const connectionUrl = url ?? '';

  // The signing key is one per database: every case gets a schema of its own. Two pools stand
  // for two gateway replicas.
  toolSigningKeyStoreContract('postgres', async () => {
    const { schema, drop } = await createTestSchema(connectionUrl);
    const pools = [openPostgres({ url: connectionUrl, schema, maxConnections: 4 }), openPostgres({ url: connectionUrl, schema, maxConnections: 4 })] as const;
    return {
      store: await createPostgresToolSigningKeyStore(pools[0], { schema }),
      replica: await createPostgresToolSigningKeyStore(pools[1], { schema }),
      close: async () => {
        await Promise.all(pools.map((pool) => pool.end()));
        await drop();
      },
    };
  });

  it('keeps the key across a restart, with the time it was created', async () => {
    const { schema, drop } = await createTestSchema(connectionUrl);
    try {
      const first = openPostgres({ url: connectionUrl, schema });
      const stored = await (await createPostgresToolSigningKeyStore(first, { schema })).getOrCreate(generateToolSigningKey());
      await first.end();
      const second = openPostgres({ url: connectionUrl, schema });
      try {
        const store = await createPostgresToolSigningKeyStore(second, { schema });
        expect(await store.getOrCreate(generateToolSigningKey())).toEqual(stored);
        const listed = await store.list();
        expect(listed).toEqual([{ keyId: stored.keyId, publicKeyPem: stored.publicKeyPem, createdAt: expect.any(Date), current: true }]);
        expect(Math.abs((listed[0]?.createdAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      } finally {
        await second.end();
      }
    } finally {
      await drop();
    }
  });
});
