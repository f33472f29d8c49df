import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { incidentStoreContract } from '../../ops/incidents/incident-store-contract.js';
import { newIncidentId } from '../../ops/incidents/incident-store.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteIncidentStore } from './sqlite-incident-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-incidents-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

incidentStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteIncidentStore(db),
    replica: createSqliteIncidentStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteIncidentStore', () => {
  it('migrates once and keeps incidents across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const now = new Date('2030-01-01T00:00:00.000Z');
    const first = openSqlite({ path });
    const store = createSqliteIncidentStore(first);
    const opened = await store.open({ id: newIncidentId(), severity: 1, title: 'Upstream leaking system prompt', by: 'cli', now });
    const other = await store.open({ id: newIncidentId(), severity: 4, title: 'Noisy detector', by: 'cli', now: new Date(now.getTime() + 1) });
    if (other.state !== 'opened') throw new Error('not opened');
    const closed = await store.close({ id: other.incident.id, by: 'cli', resolution: 'Threshold raised.', now: new Date(now.getTime() + 60_000) });
    first.close();
    const second = openSqlite({ path });
    try {
      const reopened = createSqliteIncidentStore(second);
      expect(await reopened.list({ limit: 10 })).toEqual([closed.state === 'closed' ? closed.incident : undefined, opened.incident]);
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'incidents-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });

  it('refuses, in the database too, an incident half closed', () => {
    const db = openSqlite({ path: ':memory:' });
    try {
      createSqliteIncidentStore(db);
      expect(() => db.prepare("INSERT INTO incidents (id, severity, title, status, opened_at, opened_by, closed_at) VALUES ('inc_x', 1, 't', 'open', 1, 'cli', 2)").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO incidents (id, severity, title, status, opened_at, opened_by) VALUES ('inc_y', 5, 't', 'open', 1, 'cli')").run()).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });
});
