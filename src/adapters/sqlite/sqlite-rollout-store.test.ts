import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newRolloutId } from '../../ops/rollouts/rollout.js';
import { rolloutStoreContract } from '../../ops/rollouts/rollout-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteRolloutStore } from './sqlite-rollout-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-rollouts-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

rolloutStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteRolloutStore(db),
    replica: createSqliteRolloutStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteRolloutStore', () => {
  it('keeps the active version and a running rollout across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const now = new Date('2030-01-01T00:00:00.000Z');
    const first = openSqlite({ path });
    const store = createSqliteRolloutStore(first);
    await store.activate({ hash: 'a'.repeat(64), by: 'admin001', now });
    const started = await store.start({ id: newRolloutId(), candidate: 'b'.repeat(64), stages: [1, 5], bucketBy: 'key', mode: 'enforce', by: 'admin001', now });
    const before = await store.state();
    first.close();
    const second = openSqlite({ path });
    try {
      expect(started.state).toBe('started');
      expect(await createSqliteRolloutStore(second).state()).toEqual(before);
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'policy-rollouts-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
