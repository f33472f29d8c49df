import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { policyVersionStoreContract } from '../../ops/rollouts/policy-version-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqlitePolicyVersionStore } from './sqlite-policy-version-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-policy-versions-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

policyVersionStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqlitePolicyVersionStore(db),
    replica: createSqlitePolicyVersionStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqlitePolicyVersionStore', () => {
  it('keeps versions across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const now = new Date('2030-01-01T00:00:00.000Z');
    const first = openSqlite({ path });
    const { version } = await createSqlitePolicyVersionStore(first).push({ text: 'name: kept\n', name: 'kept', pushedBy: 'admin001', now });
    first.close();
    const second = openSqlite({ path });
    try {
      expect(await createSqlitePolicyVersionStore(second).get(version.hash)).toEqual({ ...version, text: 'name: kept\n' });
    } finally {
      second.close();
    }
  });
});
