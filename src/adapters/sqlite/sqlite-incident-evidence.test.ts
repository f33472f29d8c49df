import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { incidentEvidenceContract } from '../../ops/incidents/incident-evidence-contract.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteAuditStore } from './sqlite-audit-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-incident-evidence-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// The incident's timeline and bundle read from an audit log in the embedded database.
incidentEvidenceContract('sqlite', async () => {
  const db = openSqlite({ path: join(directory, 'audit.db') });
  return {
    store: createSqliteAuditStore(db),
    close: async () => {
      db.close();
    },
  };
});
