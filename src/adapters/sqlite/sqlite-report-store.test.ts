import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportStoreContract } from '../../review/report-store-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteReportStore } from './sqlite-report-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-reports-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

reportStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteReportStore(db),
    replica: createSqliteReportStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteReportStore', () => {
  it('migrates once and keeps reports across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const report = { id: 'rpt_restart', tenantId: 'acme', keyId: 'key00001', requestId: 'evt_1', kind: 'bad_answer' as const, note: 'wrong', createdAt: new Date('2030-01-01T00:00:00.000Z') };
    const first = openSqlite({ path });
    await createSqliteReportStore(first).create(report);
    first.close();
    const second = openSqlite({ path });
    try {
      expect(await createSqliteReportStore(second).get('rpt_restart')).toEqual({ ...report, status: 'open' });
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'user-reports-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
