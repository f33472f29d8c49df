/**
 * Tampering, done the way someone with write access to the database would (the backend's
 * `tamper` helper edits its storage directly), and what verification must then report: the
 * first bad record, by writer and seq.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { applyAuditRetention } from './apply-audit-retention.js';
import { createAuditWriter } from './audit-writer.js';
import type { AuditStore, ChainPoint } from './audit-store.js';
import { canonicalJson } from './canonical-json.js';
import { fixtureTime, requestEvent } from './test-support/audit-fixtures.js';
import { verifyAuditLog } from './verify-audit-log.js';

export interface AuditTamper {
  /** Replaces an event's stored JSON, leaving its hash and columns as they are. */
  setEventJson(options: { writerId: string; seq: number; json: string }): Promise<void>;
  deleteEvents(options: { writerId: string; seqs: readonly number[] }): Promise<void>;
  /** Exchanges two events' seq, as if each were stored in the other's place. */
  swapEvents(options: { writerId: string; seqs: readonly [number, number] }): Promise<void>;
  /** Changes only the indexed tenant column of one event. */
  setTenantColumn(options: { writerId: string; seq: number; tenantId: string }): Promise<void>;
  /** Deletes a writer's events and its writer record. */
  deleteWriter(writerId: string): Promise<void>;
  setWriterHead(options: { writerId: string; head: ChainPoint }): Promise<void>;
  setAnchorJson(options: { seq: number; json: string }): Promise<void>;
  /** Deletes the anchors with seq ≥ `fromSeq`. */
  deleteAnchors(options: { fromSeq: number }): Promise<void>;
}

interface TamperHarness {
  store: AuditStore;
  tamper: AuditTamper;
}

const now = (): Date => new Date(fixtureTime(10_000));

async function storedJson(store: AuditStore, writerId: string, seq: number): Promise<Record<string, unknown>> {
  const [row] = await store.readEvents({ writerId, afterSeq: seq - 1, limit: 1 });
  if (row === undefined) throw new Error(`no event ${writerId}#${seq}`);
  return JSON.parse(row.json) as Record<string, unknown>;
}

export function auditTamperContract(current: () => TamperHarness): void {
  describe('tampering', () => {
    let store: AuditStore;
    let tamper: AuditTamper;
    beforeEach(async () => {
      ({ store, tamper } = current());
      const a = createAuditWriter({ store, writerId: 'writer-a', now });
      const b = createAuditWriter({ store, writerId: 'writer-b', now });
      for (let n = 1; n <= 8; n += 1) await a.append(requestEvent(n));
      for (let n = 11; n <= 13; n += 1) await b.append(requestEvent(n));
      await a.close();
      await b.close();
      expect((await verifyAuditLog(store)).ok).toBe(true);
    });

    it('an edited field names the edited event', async () => {
      const json = await storedJson(store, 'writer-a', 3);
      await tamper.setEventJson({ writerId: 'writer-a', seq: 3, json: canonicalJson({ ...json, status: 200, action: 'allow' }) });
      const verification = await verifyAuditLog(store);
      expect(verification.ok).toBe(false);
      expect(verification.firstProblem).toMatchObject({ kind: 'edited', writerId: 'writer-a', seq: 3, eventId: 'req-3' });
      expect(verification.problems).toHaveLength(1);
    });

    it('a deleted event in the middle names its seq', async () => {
      await tamper.deleteEvents({ writerId: 'writer-a', seqs: [4] });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'deleted', writerId: 'writer-a', seq: 4 });
    });

    it('deleting the first events without a retention record is detected', async () => {
      await tamper.deleteEvents({ writerId: 'writer-a', seqs: [1, 2] });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'deleted', writerId: 'writer-a', seq: 1 });
    });

    it('deleting the last events up to an anchor is detected as truncation', async () => {
      await tamper.deleteEvents({ writerId: 'writer-a', seqs: [7, 8] });
      await tamper.setWriterHead({ writerId: 'writer-a', head: { seq: 6, hash: (await store.readEvents({ writerId: 'writer-a', afterSeq: 5, limit: 1 }))[0]?.hash ?? '' } });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'truncated', writerId: 'writer-a', seq: 7 });
    });

    it('two swapped events name the first out of place', async () => {
      await tamper.swapEvents({ writerId: 'writer-a', seqs: [3, 5] });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'reordered', writerId: 'writer-a', seq: 3, eventId: 'req-5' });
    });

    it('a column changed without the JSON is detected', async () => {
      await tamper.setTenantColumn({ writerId: 'writer-a', seq: 2, tenantId: 'tenant-b' });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'column-mismatch', writerId: 'writer-a', seq: 2, eventId: 'req-2' });
    });

    it('a whole writer chain deleted is detected through the anchors', async () => {
      await tamper.deleteWriter('writer-b');
      const verification = await verifyAuditLog(store);
      expect(verification.firstProblem).toMatchObject({ kind: 'deleted', writerId: 'writer-b', seq: 1 });
      expect(verification.eventsChecked).toBe(8);
    });

    it('an edited anchor is detected', async () => {
      const [anchor] = await store.readAnchors({ afterSeq: 0, limit: 1 });
      if (anchor === undefined) throw new Error('no anchor');
      await tamper.setAnchorJson({ seq: anchor.seq, json: anchor.json.replace('"writer-closed"', '"checkpoint"') });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'edited', anchorSeq: anchor.seq });
    });

    it('a consistent cut after the last kept anchor is found only with the expected anchor', async () => {
      const c = createAuditWriter({ store, writerId: 'writer-c', now });
      for (const n of [21, 22]) await c.append(requestEvent(n));
      await c.close();
      const last = (await store.readAnchors({ afterSeq: 0, limit: 10 })).at(-1);
      if (last === undefined) throw new Error('no anchor');
      await tamper.deleteAnchors({ fromSeq: last.seq });
      await tamper.deleteWriter('writer-c');
      expect(await verifyAuditLog(store)).toMatchObject({ ok: true, writers: 2 });
      expect((await verifyAuditLog(store, { expectedAnchor: { seq: last.seq, hash: last.hash } })).firstProblem).toMatchObject({ kind: 'truncated', anchorSeq: last.seq });
    });

    it('after retention, deleting more is still detected, and retention itself is not', async () => {
      await applyAuditRetention(store, { before: new Date(fixtureTime(4)), writerId: 'cli-test', now: () => new Date(fixtureTime(20_000)) });
      expect(await verifyAuditLog(store)).toMatchObject({ ok: true, eventsChecked: 5 + 3 });
      await tamper.deleteEvents({ writerId: 'writer-a', seqs: [4] });
      expect((await verifyAuditLog(store)).firstProblem).toMatchObject({ kind: 'deleted', writerId: 'writer-a', seq: 4 });
    });
  });
}
