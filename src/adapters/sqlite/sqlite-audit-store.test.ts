import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { auditStoreContract } from '../../audit/audit-store-contract.js';
import type { AuditTamper } from '../../audit/audit-tamper-contract.js';
import { verifyAuditLog } from '../../audit/verify-audit-log.js';
import { openSqlite, type SqliteDatabase } from './open-sqlite.js';
import { createSqliteAuditStore } from './sqlite-audit-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-audit-'));
let fileCounter = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function newPath(): string {
  fileCounter += 1;
  return join(directory, `audit-${fileCounter}.db`);
}

/** Raw SQL on the file, as someone with write access to it would. */
function sqliteTamper(db: SqliteDatabase): AuditTamper {
  return {
    setEventJson: async ({ writerId, seq, json }) => {
      db.prepare('UPDATE audit_events SET event_json = ? WHERE writer_id = ? AND seq = ?').run(json, writerId, seq);
    },
    deleteEvents: async ({ writerId, seqs }) => {
      for (const seq of seqs) db.prepare('DELETE FROM audit_events WHERE writer_id = ? AND seq = ?').run(writerId, seq);
    },
    swapEvents: async ({ writerId, seqs: [first, second] }) => {
      const move = db.prepare('UPDATE audit_events SET seq = ? WHERE writer_id = ? AND seq = ?');
      db.transaction(() => {
        move.run(-1, writerId, first);
        move.run(first, writerId, second);
        move.run(second, writerId, -1);
      })();
    },
    setTenantColumn: async ({ writerId, seq, tenantId }) => {
      db.prepare('UPDATE audit_events SET tenant_id = ? WHERE writer_id = ? AND seq = ?').run(tenantId, writerId, seq);
    },
    deleteWriter: async (writerId) => {
      db.prepare('DELETE FROM audit_events WHERE writer_id = ?').run(writerId);
      db.prepare('DELETE FROM audit_writers WHERE writer_id = ?').run(writerId);
    },
    setWriterHead: async ({ writerId, head }) => {
      db.prepare('UPDATE audit_writers SET head_seq = ?, head_hash = ? WHERE writer_id = ?').run(head.seq, head.hash, writerId);
    },
    setAnchorJson: async ({ seq, json }) => {
      db.prepare('UPDATE audit_anchors SET body_json = ? WHERE seq = ?').run(json, seq);
    },
    deleteAnchors: async ({ fromSeq }) => {
      db.prepare('DELETE FROM audit_anchors WHERE seq >= ?').run(fromSeq);
      db.prepare('DELETE FROM audit_anchor_heads WHERE anchor_seq >= ?').run(fromSeq);
    },
  };
}

auditStoreContract('sqlite', async () => {
  const path = newPath();
  const db = openSqlite({ path });
  const second = openSqlite({ path });
  return {
    store: createSqliteAuditStore(db),
    replica: createSqliteAuditStore(second),
    tamper: sqliteTamper(db),
    close: async () => {
      db.close();
      second.close();
    },
  };
});

describe('SqliteAuditStore durability', () => {
  it('keeps every acknowledged event when the process is killed mid-run', async () => {
    const path = newPath();
    const script = fileURLToPath(new URL('./test-support/append-audit-events.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let pending = '';
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acknowledged.push(line.slice(4));
      if (acknowledged.length >= 400 && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    expect(await exited, errors).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(400);

    const db = openSqlite({ path });
    try {
      const stored = new Set((db.prepare('SELECT event_id FROM audit_events').all() as { event_id: string }[]).map((row) => row.event_id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      const verification = await verifyAuditLog(createSqliteAuditStore(db));
      expect(verification).toMatchObject({ ok: true, writers: 1 });
      expect(verification.eventsChecked).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      db.close();
    }
  });
});
