import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { shadowStoreContract } from '../../ops/rollouts/shadow-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteShadowStore } from './sqlite-shadow-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-shadow-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

shadowStoreContract('sqlite', async (options) => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteShadowStore(db, options),
    replica: createSqliteShadowStore(replicaDb, options),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});
