import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateToolSigningKey } from '../../tools/tool-signing-key.js';
import { toolSigningKeyStoreContract } from '../../tools/tool-signing-key-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteToolSigningKeyStore } from './sqlite-tool-signing-key-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-tool-keys-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;

toolSigningKeyStoreContract('sqlite', async () => {
  const path = join(directory, `contract-${++files}.db`);
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteToolSigningKeyStore(db),
    replica: createSqliteToolSigningKeyStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SQLite tool signing key store', () => {
  it('keeps the key across a restart', async () => {
    const path = join(directory, 'restart.db');
    const createdAt = new Date('2030-01-01T00:00:00.000Z');
    const first = openSqlite({ path });
    const stored = await createSqliteToolSigningKeyStore(first, { now: () => createdAt }).getOrCreate(generateToolSigningKey());
    first.close();
    const second = openSqlite({ path });
    try {
      const store = createSqliteToolSigningKeyStore(second);
      expect(await store.getOrCreate(generateToolSigningKey())).toEqual(stored);
      expect(await store.list()).toEqual([{ keyId: stored.keyId, publicKeyPem: stored.publicKeyPem, createdAt, current: true }]);
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'tool-signing-keys-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
