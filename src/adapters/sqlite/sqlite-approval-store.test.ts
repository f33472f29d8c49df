import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approvalStoreContract } from '../../tools/approval-store-contract.js';
import { hashToolArguments } from '../../tools/tool-arguments.js';
import { openSqlite } from './open-sqlite.js';
import { createSqliteApprovalStore } from './sqlite-approval-store.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-approvals-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

approvalStoreContract('sqlite', async () => {
  const path = join(directory, 'contract.db');
  const db = openSqlite({ path });
  // A second connection to the same file stands for a second process.
  const replicaDb = openSqlite({ path });
  return {
    store: createSqliteApprovalStore(db),
    replica: createSqliteApprovalStore(replicaDb),
    close: async () => {
      db.close();
      replicaDb.close();
    },
  };
});

describe('SqliteApprovalStore', () => {
  it('migrates once and keeps requests across a restart', async () => {
    const path = join(directory, 'reopen.db');
    const createdAt = new Date('2030-01-01T00:00:00.000Z');
    const request = {
      id: 'apr_restart',
      tenantId: 'acme',
      keyId: 'key00001',
      requestId: 'evt_1',
      tool: 'delete_file',
      arguments: '{"path":"/tmp/x"}',
      argsHash: hashToolArguments('{"path":"/tmp/x"}'),
      risk: 'irreversible' as const,
      reasons: ['irreversible'],
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 60_000),
    };
    const first = openSqlite({ path });
    await createSqliteApprovalStore(first).create(request);
    first.close();
    const second = openSqlite({ path });
    try {
      expect(await createSqliteApprovalStore(second).get('apr_restart', { now: createdAt })).toEqual({ ...request, status: 'pending' });
      expect(second.prepare("SELECT count(*) AS n FROM palisade_migrations WHERE name = 'tool-approvals-001'").get()).toEqual({ n: 1 });
    } finally {
      second.close();
    }
  });
});
