import { beforeEach, describe, expect, it } from 'vitest';
import { applyAuditRetention } from './apply-audit-retention.js';
import { hashRecord } from './audit-chain.js';
import { createAuditWriter } from './audit-writer.js';
import { canonicalJson } from './canonical-json.js';
import { MemoryAuditStore } from './memory-audit-store.js';
import { fixtureTime, requestEvent } from './test-support/audit-fixtures.js';
import { verifyAuditLog } from './verify-audit-log.js';

const now = (): Date => new Date(fixtureTime(10_000));

describe('verifyAuditLog', () => {
  let store: MemoryAuditStore;
  beforeEach(async () => {
    store = new MemoryAuditStore();
    const a = createAuditWriter({ store, writerId: 'writer-a', anchorEvery: { events: 4, ms: 60_000 }, now });
    const b = createAuditWriter({ store, writerId: 'writer-b', now });
    for (let n = 1; n <= 8; n += 1) {
      await a.append(requestEvent(n));
      await a.anchor();
    }
    for (let n = 11; n <= 13; n += 1) await b.append(requestEvent(n));
    await a.close();
    await b.close();
  });

  it('passes an empty log', async () => {
    expect(await verifyAuditLog(new MemoryAuditStore())).toEqual({ ok: true, eventsChecked: 0, anchorsChecked: 0, writers: 0, anchorHead: undefined, unanchored: [], problems: [] });
  });

  it('passes an intact log and reads it in pages', async () => {
    expect(await verifyAuditLog(store, { pageSize: 2 })).toMatchObject({ ok: true, eventsChecked: 11, anchorsChecked: 10, writers: 2 });
  });

  it('catches a rewrite that recomputed every later hash, through the anchor that recorded the head', async () => {
    const events = store.rows.events.get('writer-a') ?? [];
    let previous = events[1]?.hash ?? '';
    for (const row of events.slice(2)) {
      const event = JSON.parse(row.json) as Record<string, unknown>;
      if (row.seq === 3) event.data = { n: 333 };
      row.json = canonicalJson(event);
      row.prevHash = previous;
      row.hash = hashRecord(previous, row.json);
      previous = row.hash;
    }
    const writer = store.rows.writers.get('writer-a');
    if (writer !== undefined) writer.head = { seq: 8, hash: previous };
    expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'anchor-mismatch', writerId: 'writer-a', seq: 8 });
  });

  it('reports one problem per broken chain, up to the cap', async () => {
    store.rows.events.get('writer-a')?.splice(2, 1);
    store.rows.events.get('writer-b')?.splice(1, 1);
    const verification = await verifyAuditLog(store);
    expect(verification.problems.map((problem) => [problem.writerId, problem.kind, problem.seq])).toEqual([
      ['writer-a', 'deleted', 3],
      ['writer-b', 'deleted', 2],
    ]);
    expect((await verifyAuditLog(store, { maxProblems: 1 })).problems).toHaveLength(1);
  });

  it('detects an anchor deleted from the middle of the anchor chain', async () => {
    store.rows.anchors.splice(3, 1);
    expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'deleted', anchorSeq: 4 });
  });

  it('detects anchors pruned without a retention record', async () => {
    const removed = store.rows.anchors.splice(0, 2);
    const last = removed.at(-1);
    if (last !== undefined) store.rows.prunedAnchors = { seq: last.seq, hash: last.hash };
    expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'deleted', anchorSeq: 2 });
  });

  it('detects a retention marker moved to hide a deleted prefix', async () => {
    const events = store.rows.events.get('writer-a') ?? [];
    const hidden = events.splice(0, 2);
    const writer = store.rows.writers.get('writer-a');
    const last = hidden.at(-1);
    if (writer !== undefined && last !== undefined) writer.retained = { seq: last.seq, hash: last.hash };
    expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'deleted', writerId: 'writer-a', seq: 1 });
  });

  it('accepts what retention removed and checks the markers against its record', async () => {
    await applyAuditRetention(store, { before: new Date(fixtureTime(12)), writerId: 'cli', now: () => new Date(fixtureTime(20_000)) });
    expect(await verifyAuditLog(store)).toMatchObject({ ok: true, eventsChecked: 2 });
    const writer = store.rows.writers.get('writer-b');
    if (writer !== undefined) writer.retained = { seq: 0, hash: '0'.repeat(64) };
    expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'anchor-mismatch', writerId: 'writer-b' });
  });

  it('checks the expected anchor hash', async () => {
    const anchor = store.rows.anchors[4];
    if (anchor === undefined) throw new Error('no anchor');
    expect((await verifyAuditLog(store, { expectedAnchor: { seq: anchor.seq, hash: anchor.hash } })).ok).toBe(true);
    expect((await verifyAuditLog(store, { expectedAnchor: { seq: anchor.seq, hash: 'f'.repeat(64) } })).firstProblem).toMatchObject({ kind: 'anchor-mismatch', anchorSeq: anchor.seq });
  });
});
