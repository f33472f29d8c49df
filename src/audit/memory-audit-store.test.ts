import { describe, expect, it } from 'vitest';
import { auditStoreContract } from './audit-store-contract.js';
import type { AuditTamper } from './audit-tamper-contract.js';
import { createAuditWriter } from './audit-writer.js';
import { MemoryAuditStore } from './memory-audit-store.js';
import { requestEvent } from './test-support/audit-fixtures.js';

/** Edits the store's rows directly, as an attacker with access to its memory would. */
function memoryTamper(store: MemoryAuditStore): AuditTamper {
  const { rows } = store;
  const event = (writerId: string, seq: number) => {
    const found = rows.events.get(writerId)?.find((row) => row.seq === seq);
    if (found === undefined) throw new Error(`no event ${writerId}#${seq}`);
    return found;
  };
  return {
    setEventJson: async ({ writerId, seq, json }) => {
      event(writerId, seq).json = json;
    },
    deleteEvents: async ({ writerId, seqs }) => {
      rows.events.set(writerId, (rows.events.get(writerId) ?? []).filter((row) => !seqs.includes(row.seq)));
    },
    swapEvents: async ({ writerId, seqs: [first, second] }) => {
      const one = event(writerId, first);
      const two = event(writerId, second);
      [one.seq, two.seq] = [two.seq, one.seq];
    },
    setTenantColumn: async ({ writerId, seq, tenantId }) => {
      event(writerId, seq).columns.tenantId = tenantId;
    },
    deleteWriter: async (writerId) => {
      rows.events.delete(writerId);
      rows.writers.delete(writerId);
    },
    setWriterHead: async ({ writerId, head }) => {
      const writer = rows.writers.get(writerId);
      if (writer !== undefined) writer.head = head;
    },
    setAnchorJson: async ({ seq, json }) => {
      const anchor = rows.anchors.find((row) => row.seq === seq);
      if (anchor !== undefined) anchor.json = json;
    },
    deleteAnchors: async ({ fromSeq }) => {
      rows.anchors = rows.anchors.filter((row) => row.seq < fromSeq);
    },
  };
}

auditStoreContract('memory', async () => {
  const store = new MemoryAuditStore();
  return { store, replica: store, tamper: memoryTamper(store), close: async () => {} };
});

describe('MemoryAuditStore', () => {
  it('hands out copies: mutating a result does not change the store', async () => {
    const store = new MemoryAuditStore();
    const writer = createAuditWriter({ store, writerId: 'writer-a' });
    await writer.append(requestEvent(1));
    const [row] = await store.readEvents({ writerId: 'writer-a', afterSeq: 0, limit: 1 });
    if (row === undefined) throw new Error('no row');
    row.json = '{}';
    const record = await store.getWriter('writer-a');
    if (record !== undefined) record.head.seq = 99;
    expect((await store.readEvents({ writerId: 'writer-a', afterSeq: 0, limit: 1 }))[0]?.json).not.toBe('{}');
    expect((await store.getWriter('writer-a'))?.head.seq).toBe(1);
    await writer.close();
  });
});
