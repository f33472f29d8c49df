/**
 * The behaviour every `AuditStore` backend must have, run by each backend's test file through
 * the real writer, verifier, query, export and retention functions. Tampering is done by the
 * backend's own `tamper` helper, directly on its storage (`audit-tamper-contract.ts`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPalisadeError } from '../core/errors.js';
import { applyAuditRetention } from './apply-audit-retention.js';
import { createAuditWriter } from './audit-writer.js';
import type { AuditStore } from './audit-store.js';
import { auditTamperContract, type AuditTamper } from './audit-tamper-contract.js';
import { exportAuditLog } from './export-audit-log.js';
import { queryAuditLog } from './query-audit-log.js';
import { collectLines, fixtureTime, interceptStore, requestEvent } from './test-support/audit-fixtures.js';
import { verifyAuditLog } from './verify-audit-log.js';
import { verifyExport } from './verify-export.js';

export interface AuditStoreHarness {
  store: AuditStore;
  /** A second store on the same data, as another replica or process has (memory: the same store). */
  replica: AuditStore;
  tamper: AuditTamper;
  close(): Promise<void>;
}

const fixedNow = (): Date => new Date(fixtureTime(10_000));

export function auditStoreContract(backend: string, open: () => Promise<AuditStoreHarness>): void {
  describe(`AuditStore contract: ${backend}`, () => {
    let harness: AuditStoreHarness;
    beforeEach(async () => {
      harness = await open();
    });
    afterEach(async () => {
      await harness.close();
    });

    it('chains a writer’s events: seq from 1, each linked to the previous hash', async () => {
      const writer = createAuditWriter({ store: harness.store, writerId: 'writer-a', now: fixedNow });
      const first = await writer.append(requestEvent(1));
      const second = await writer.append(requestEvent(2));
      expect(first).toMatchObject({ writerId: 'writer-a', seq: 1, prevHash: '0'.repeat(64) });
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
      expect(second.event).toEqual(requestEvent(2));
      expect(writer.head()).toEqual({ writerId: 'writer-a', seq: 2, hash: second.hash });
      const rows = await harness.store.readEvents({ writerId: 'writer-a', afterSeq: 0, limit: 10 });
      expect(rows.map((row) => row.seq)).toEqual([1, 2]);
      expect(rows[0]?.columns).toEqual({ id: 'req-1', type: 'request', time: fixtureTime(1), tenantId: 'tenant-b', action: 'allow', status: 200, model: 'demo-model' });
      expect(await harness.store.readEvents({ writerId: 'writer-a', afterSeq: 1, limit: 10 })).toHaveLength(1);
      expect((await harness.store.getWriter('writer-a'))?.head).toEqual({ seq: 2, hash: second.hash });
      await writer.close();
      expect((await verifyAuditLog(harness.store)).ok).toBe(true);
    });

    it('refuses an invalid event without touching the chain', async () => {
      const writer = createAuditWriter({ store: harness.store, writerId: 'writer-a' });
      await expect(writer.append({ ...requestEvent(1), time: '2030-01-01' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(writer.append({ ...requestEvent(1), data: { when: new Date(0) } })).rejects.toMatchObject({ code: 'invalid_argument' });
      expect((await writer.append(requestEvent(1))).seq).toBe(1);
      await writer.close();
    });

    it('group commit: concurrent appends get gap-free seqs in call order, in fewer transactions', async () => {
      let commits = 0;
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const store = interceptStore(harness.store, async (method) => {
        if (method !== 'appendEvents') return;
        commits += 1;
        if (commits === 1) await gate;
      });
      const writer = createAuditWriter({ store, writerId: 'writer-a' });
      const first = writer.append(requestEvent(0));
      await new Promise((resolve) => setImmediate(resolve));
      const rest = Array.from({ length: 150 }, (_, index) => writer.append(requestEvent(index + 1)));
      release();
      const chained = await Promise.all([first, ...rest]);
      expect(chained.map((event) => event.seq)).toEqual(Array.from({ length: 151 }, (_, index) => index + 1));
      expect(chained.map((event) => event.event.id)).toEqual(Array.from({ length: 151 }, (_, index) => `req-${index}`));
      expect(commits).toBe(2);
      await writer.close();
      const verification = await verifyAuditLog(harness.store, { pageSize: 40 });
      expect(verification).toMatchObject({ ok: true, eventsChecked: 151, writers: 1 });
    });

    it('a failed commit rejects its whole batch; the chain continues from the last committed head', async () => {
      let failNext = false;
      const store = interceptStore(harness.store, (method) => {
        if (method === 'appendEvents' && failNext) {
          failNext = false;
          throw new Error('disk full');
        }
      });
      const writer = createAuditWriter({ store, writerId: 'writer-a' });
      await Promise.all([1, 2, 3].map((n) => writer.append(requestEvent(n))));
      failNext = true;
      const failed = await Promise.allSettled([4, 5, 6].map((n) => writer.append(requestEvent(n))));
      for (const outcome of failed) {
        expect(outcome.status).toBe('rejected');
        if (outcome.status === 'rejected') expect(isPalisadeError(outcome.reason) && outcome.reason.code).toBe('unavailable');
      }
      const later = await Promise.all([7, 8].map((n) => writer.append(requestEvent(n))));
      expect(later.map((event) => event.seq)).toEqual([4, 5]);
      await writer.close();
      const rows = await harness.store.readEvents({ writerId: 'writer-a', afterSeq: 0, limit: 10 });
      expect(rows.map((row) => row.columns.id)).toEqual(['req-1', 'req-2', 'req-3', 'req-7', 'req-8']);
      expect(await verifyAuditLog(harness.store)).toMatchObject({ ok: true, eventsChecked: 5 });
    });

    it('never forks: a second process using the same writer id continues the stored head', async () => {
      const one = createAuditWriter({ store: harness.store, writerId: 'shared' });
      const two = createAuditWriter({ store: harness.replica, writerId: 'shared' });
      await one.append(requestEvent(1));
      expect((await two.append(requestEvent(2))).seq).toBe(2);
      await expect(one.append(requestEvent(3))).rejects.toMatchObject({ code: 'unavailable' });
      expect((await one.append(requestEvent(4))).seq).toBe(3);
      await one.close();
      await two.close();
      expect(await verifyAuditLog(harness.store)).toMatchObject({ ok: true, eventsChecked: 3 });
    });

    it('two writers on two connections append concurrently; both chains and the anchors verify', async () => {
      const one = createAuditWriter({ store: harness.store, writerId: 'replica-1', anchorEvery: { events: 7, ms: 60_000 }, now: fixedNow });
      const two = createAuditWriter({ store: harness.replica, writerId: 'replica-2', anchorEvery: { events: 5, ms: 60_000 }, now: fixedNow });
      const appends: Promise<unknown>[] = [];
      for (let n = 0; n < 60; n += 1) {
        appends.push((n % 2 === 0 ? one : two).append(requestEvent(n)));
        if (n % 10 === 9) await Promise.all(appends);
      }
      await Promise.all(appends);
      await one.close();
      await two.close();
      const verification = await verifyAuditLog(harness.replica, { pageSize: 8 });
      expect(verification).toMatchObject({ ok: true, eventsChecked: 60, writers: 2, unanchored: [] });
      expect(verification.anchorsChecked).toBeGreaterThanOrEqual(2);
    });

    it('anchors every N events and on close, naming every writer that moved', async () => {
      const one = createAuditWriter({ store: harness.store, writerId: 'replica-1', anchorEvery: { events: 1000, ms: 60_000 }, now: fixedNow });
      const two = createAuditWriter({ store: harness.store, writerId: 'replica-2', anchorEvery: { events: 3, ms: 60_000 }, now: fixedNow });
      await one.append(requestEvent(1));
      for (const n of [2, 3, 4]) await two.append(requestEvent(n));
      await two.anchor();
      const [anchor] = await harness.store.readAnchors({ afterSeq: 0, limit: 10 });
      expect(anchor?.heads.map((head) => [head.writerId, head.seq])).toEqual([
        ['replica-1', 1],
        ['replica-2', 3],
      ]);
      expect(await two.anchor()).toBeUndefined();
      await one.close();
      await two.close();
      const anchors = await harness.store.readAnchors({ afterSeq: 0, limit: 10 });
      expect(anchors.map((entry) => entry.kind)).toEqual(['checkpoint', 'writer-closed', 'writer-closed']);
      expect(await harness.store.findAnchorMention({ writerId: 'replica-2', atLeast: 2 })).toMatchObject({ anchorSeq: 1, seq: 3 });
      expect(await harness.store.findAnchorMention({ writerId: 'replica-2', atLeast: 4 })).toBeUndefined();
      const verification = await verifyAuditLog(harness.store, { expectedAnchor: { seq: 3, hash: anchors[2]?.hash ?? '' } });
      expect(verification).toMatchObject({ ok: true, anchorsChecked: 3, anchorHead: { seq: 3 } });
    });

    it('reports events after the last anchor as unanchored', async () => {
      const writer = createAuditWriter({ store: harness.store, writerId: 'writer-a', anchorEvery: { events: 2, ms: 60_000 } });
      for (const n of [1, 2]) await writer.append(requestEvent(n));
      await writer.anchor();
      await writer.append(requestEvent(3));
      expect((await verifyAuditLog(harness.store)).unanchored).toEqual([{ writerId: 'writer-a', fromSeq: 3, toSeq: 3 }]);
      await writer.close();
    });

    it('queries newest first with filters, tenant scope and cursor pages', async () => {
      const one = createAuditWriter({ store: harness.store, writerId: 'replica-1' });
      const two = createAuditWriter({ store: harness.replica, writerId: 'replica-2' });
      for (let n = 1; n <= 12; n += 1) await (n % 4 === 0 ? two : one).append(requestEvent(n));
      await one.append(requestEvent(13, { time: fixtureTime(12) }));
      const operator = { kind: 'operator' } as const;
      const ids = async (query: Parameters<typeof queryAuditLog>[1]['query'], scope: Parameters<typeof queryAuditLog>[1]['scope'] = operator) =>
        (await queryAuditLog(harness.store, { scope, query })).events.map((event) => event.event.id);
      expect(await ids({})).toEqual(['req-12', 'req-13', 'req-11', 'req-10', 'req-9', 'req-8', 'req-7', 'req-6', 'req-5', 'req-4', 'req-3', 'req-2', 'req-1']);
      expect(await ids({ tenantId: 'tenant-a', action: 'block' })).toEqual(['req-12', 'req-6']);
      expect(await ids({ status: 400, from: fixtureTime(4), to: fixtureTime(12) })).toEqual(['req-9', 'req-6']);
      expect(await ids({ type: 'request', model: 'demo-model', id: 'req-8' })).toEqual(['req-8']);
      expect(await ids({ type: 'key-created' })).toEqual([]);
      expect(await ids({}, { kind: 'tenant', tenantId: 'tenant-b' })).toEqual(['req-13', 'req-11', 'req-9', 'req-7', 'req-5', 'req-3', 'req-1']);
      await expect(ids({ tenantId: 'tenant-a' }, { kind: 'tenant', tenantId: 'tenant-b' })).rejects.toMatchObject({ code: 'forbidden' });

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryAuditLog(harness.store, { scope: operator, query: { limit: 5, ...(cursor === undefined ? {} : { cursor }) } });
        expect(page.events.length).toBeLessThanOrEqual(5);
        seen.push(...page.events.map((event) => event.event.id));
        if (cursor === undefined) await one.append(requestEvent(20));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual(['req-12', 'req-13', 'req-11', 'req-10', 'req-9', 'req-8', 'req-7', 'req-6', 'req-5', 'req-4', 'req-3', 'req-2', 'req-1']);

      await expect(ids({ limit: 1001 })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(ids({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(ids({ from: 'yesterday' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await one.close();
      await two.close();
    });

    it('filters by the acting key, a finding’s category on either stage, and a request with the events that name it', async () => {
      const writer = createAuditWriter({ store: harness.store, writerId: 'writer-a' });
      const finding = (category: string) => ({ detector: 'd', category, score: 0.9, action: 'block', source: 'user' });
      await writer.append(requestEvent(1, { actor: 'key-x', data: { input: { findings: [finding('pii'), finding('prompt_injection')] } } }));
      await writer.append(requestEvent(2, { data: { input: { findings: [] }, output: { findings: [finding('pii.email')] } } }));
      await writer.append(requestEvent(6, { data: { input: { findings: [finding('piix'), 'pii'] } } }));
      await writer.append(requestEvent(3, { data: { label: { category: 'pii' }, input: { findings: 'not a list' } } }));
      await writer.append({ id: 'approval-1', type: 'approval-approved', time: fixtureTime(4), tenantId: 'tenant-a', actor: 'key-x', data: { request_id: 'req-1', note: 'pii' } });
      await writer.append(requestEvent(5, { actor: 'key-y', data: { request_id: 'elsewhere', nested: { actor: 'key-x' } } }));
      const ids = async (query: Parameters<typeof queryAuditLog>[1]['query']) => (await queryAuditLog(harness.store, { scope: { kind: 'operator' }, query })).events.map((event) => event.event.id);
      expect(await ids({ actor: 'key-x' })).toEqual(['approval-1', 'req-1']);
      expect(await ids({ category: 'pii' })).toEqual(['req-2', 'req-1']);
      expect(await ids({ category: 'pii.email' })).toEqual(['req-2']);
      expect(await ids({ category: 'prompt_injection', actor: 'key-x' })).toEqual(['req-1']);
      expect(await ids({ category: 'toxicity' })).toEqual([]);
      expect(await ids({ requestId: 'req-1' })).toEqual(['approval-1', 'req-1']);
      expect(await ids({ requestId: 'req-1', type: 'request' })).toEqual(['req-1']);
      expect(await ids({ requestId: 'elsewhere' })).toEqual(['req-5']);
      expect(await ids({ requestId: 'req-1', category: 'pii', limit: 1 })).toEqual(['req-1']);
      await expect(ids({ category: 'pii" OR 1=1' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await writer.close();
    });

    it('exports a time range with the anchors that witness it, verifiable offline', async () => {
      const one = createAuditWriter({ store: harness.store, writerId: 'replica-1', now: fixedNow });
      const two = createAuditWriter({ store: harness.replica, writerId: 'replica-2', now: fixedNow });
      for (let n = 1; n <= 20; n += 1) await (n % 3 === 0 ? two : one).append(requestEvent(n));
      await one.anchor();
      await one.append(requestEvent(21));
      const lines = await collectLines(exportAuditLog(harness.store, { from: new Date(fixtureTime(5)), to: new Date(fixtureTime(15)), now: fixedNow }));
      const header = JSON.parse(lines[0] ?? '{}') as { writers: unknown[]; anchors: unknown };
      expect(header.writers).toEqual([
        { writerId: 'replica-1', firstSeq: 4, lastSeq: 14, witnessSeq: 14 },
        { writerId: 'replica-2', firstSeq: 2, lastSeq: 6, witnessSeq: 6 },
      ]);
      expect(lines.filter((line) => line.includes('"record":"event"'))).toHaveLength(11 + 5);
      const verification = await verifyExport(lines);
      expect(verification).toMatchObject({ ok: true, eventsChecked: 16, anchorsChecked: 1, writers: 2, unanchored: [] });
      expect((await verifyAuditLog(harness.store, { expectedAnchor: verification.anchorHead })).ok).toBe(true);

      const edited = lines.map((line) => line.replace('"id":"req-7"', '"id":"req-77"'));
      expect((await verifyExport(edited)).firstProblem).toMatchObject({ kind: 'edited', writerId: 'replica-1', eventId: 'req-77' });
      const dropped = lines.filter((line) => !line.includes('"id":"req-8"'));
      expect((await verifyExport(dropped)).firstProblem).toMatchObject({ kind: 'deleted', writerId: 'replica-1' });
      expect((await verifyExport(lines.slice(0, -2))).firstProblem).toMatchObject({ kind: 'truncated', writerId: 'replica-2' });
      await one.close();
      await two.close();
    });

    it('retention deletes old events, keeps markers and a record, and what is left still verifies', async () => {
      const one = createAuditWriter({ store: harness.store, writerId: 'replica-1', now: fixedNow });
      const two = createAuditWriter({ store: harness.replica, writerId: 'replica-2', now: fixedNow });
      for (let n = 1; n <= 10; n += 1) await (n <= 3 ? two : one).append(requestEvent(n));
      await one.anchor();
      for (let n = 11; n <= 14; n += 1) await one.append(requestEvent(n));
      const result = await applyAuditRetention(harness.store, { before: new Date(fixtureTime(6)), writerId: 'cli-test', now: () => new Date(fixtureTime(20_000)) });
      expect(result).toMatchObject({ deletedEvents: 5, prunedAnchors: 0 });
      expect(result.record.markers.map((marker) => [marker.writerId, marker.seq])).toEqual([
        ['replica-1', 2],
        ['replica-2', 3],
      ]);
      expect(await harness.store.getWriter('replica-1')).toMatchObject({ retained: { seq: 2 }, head: { seq: 11 } });
      const remaining = await queryAuditLog(harness.store, { scope: { kind: 'operator' }, query: {} });
      expect(remaining.events.map((event) => event.event.id).at(-1)).toBe('req-6');
      expect(await verifyAuditLog(harness.store)).toMatchObject({ ok: true, eventsChecked: 9, unanchored: [] });

      expect((await one.append(requestEvent(15))).seq).toBe(12);
      const later = await applyAuditRetention(harness.store, { before: new Date(fixtureTime(30_000)), writerId: 'cli-test', now: () => new Date(fixtureTime(40_000)) });
      expect(later).toMatchObject({ deletedEvents: 10, prunedAnchors: 2 });
      expect(await harness.store.prunedAnchors()).toMatchObject({ seq: 2 });
      await one.close();
      await two.close();
      expect(await verifyAuditLog(harness.store)).toMatchObject({ ok: true, eventsChecked: 0, anchorsChecked: 3, writers: 2 });
    });

    auditTamperContract(() => harness);
  });
}
