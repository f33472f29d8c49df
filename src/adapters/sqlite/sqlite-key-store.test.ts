import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey, rotateApiKey } from '../../keys/api-keys.js';
import { keyStoreContract } from '../../keys/key-store-contract.js';
import { createTenant } from '../../keys/tenants.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-keys-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

keyStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteKeyStore(db),
    replica: createSqliteKeyStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteKeyStore', () => {
  it('never writes a plaintext key or secret to the database files', async () => {
    const path = join(directory, 'plaintext.db');
    const db = openSqlite({ path });
    try {
      const store = createSqliteKeyStore(db);
      await createTenant(store, { id: 'acme', name: 'Acme' });
      const issued = await createApiKey(store, { tenantId: 'acme', scopes: ['inference'] });
      const rotated = await rotateApiKey(store, issued.record.id, { graceMs: 1000 });
      db.pragma('wal_checkpoint(TRUNCATE)');
      const files = readdirSync(directory).filter((name) => name.startsWith('plaintext.db'));
      const bytes = files.map((name) => readFileSync(join(directory, name)).toString('latin1')).join('');
      for (const key of [issued.key, rotated.key]) {
        const secret = key.slice(key.lastIndexOf('_') + 1);
        expect(bytes).not.toContain(secret);
      }
      expect(bytes).toContain(issued.record.prefix);
      const rows = db.prepare('SELECT * FROM api_keys').all();
      expect(JSON.stringify(rows)).not.toContain(issued.key.slice(13));
    } finally {
      db.close();
    }
  });

  it('migrates once: opening the store again keeps the data', async () => {
    const path = join(directory, 'reopen.db');
    const first = openSqlite({ path });
    await createTenant(createSqliteKeyStore(first), { id: 'acme', name: 'Acme' });
    first.close();
    const second = openSqlite({ path });
    try {
      const store = createSqliteKeyStore(second);
      expect((await store.getTenant('acme'))?.name).toBe('Acme');
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'keys-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
