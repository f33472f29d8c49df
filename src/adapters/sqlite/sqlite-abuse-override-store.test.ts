import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { abuseOverrideStoreContract } from '../../ops/abuse/abuse-override-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteAbuseOverrideStore } from './sqlite-abuse-override-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-abuse-overrides-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

abuseOverrideStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteAbuseOverrideStore(db),
    replica: createSqliteAbuseOverrideStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteAbuseOverrideStore', () => {
  it('migrates once and keeps overrides across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const override = { subject: { kind: 'key' as const, id: 'key00001' }, state: 'suspended' as const, reason: 'scraping', by: 'cli', at: new Date('2030-01-01T00:00:00.000Z') };
    const first = openSqlite({ path });
    await createSqliteAbuseOverrideStore(first).set(override);
    first.close();
    const second = openSqlite({ path });
    try {
      expect(await createSqliteAbuseOverrideStore(second).get(override.subject, { now: override.at })).toEqual(override);
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'abuse-overrides-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
