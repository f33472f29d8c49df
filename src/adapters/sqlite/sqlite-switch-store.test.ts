import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { switchStoreContract } from '../../ops/switches/switch-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteSwitchStore } from './sqlite-switch-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-switches-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

switchStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteSwitchStore(db),
    replica: createSqliteSwitchStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteSwitchStore', () => {
  it('migrates once and keeps switches, history and the version across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const flip = { scope: 'model' as const, id: 'gpt-x', state: 'off' as const, reason: 'provider incident', actor: 'cli', at: new Date('2030-01-01T00:00:00.000Z') };
    const first = openSqlite({ path });
    const made = await createSqliteSwitchStore(first).set(flip);
    first.close();
    const second = openSqlite({ path });
    try {
      const store = createSqliteSwitchStore(second);
      expect(await store.get('model', 'gpt-x')).toEqual(made.current);
      expect(await store.list()).toEqual({ version: 1, switches: [made.current] });
      expect((await store.set({ ...flip, state: 'on' })).version).toBe(2);
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'kill-switches-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
