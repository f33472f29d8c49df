/**
 * The behaviour every `ReportStore` backend must have, run by each backend's test file. The
 * backends share one database per test file, so every test works in tenants of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newReportId, type NewUserReport, type ReportStore, type UserReport } from './report-store.js';

export interface ReportStoreHarness {
  store: ReportStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: ReportStore;
  close(): Promise<void>;
}

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);
const minute = 60_000;

let tenantCounter = 0;
function newTenantId(): string {
  tenantCounter += 1;
  return `t${Math.random().toString(36).slice(2, 8)}-${tenantCounter}`;
}

function report(tenantId: string, overrides: Partial<NewUserReport> = {}): NewUserReport {
  return {
    id: newReportId(),
    tenantId,
    keyId: 'key00001',
    requestId: `evt_${Math.random().toString(36).slice(2, 10)}`,
    kind: 'wrong_block',
    createdAt: start,
    ...overrides,
  };
}

export function reportStoreContract(backend: string, open: () => Promise<ReportStoreHarness>): void {
  describe(`ReportStore contract: ${backend}`, () => {
    let harness: ReportStoreHarness;
    let store: ReportStore;
    let replica: ReportStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    async function created(overrides: Partial<NewUserReport> = {}): Promise<NewUserReport> {
      const made = report(overrides.tenantId ?? newTenantId(), overrides);
      expect(await store.create(made)).toEqual({ state: 'created', record: { ...made, status: 'open' } });
      return made;
    }

    it('creates an open report and reads it back exactly, on every replica', async () => {
      const full = await created({ kind: 'bad_answer', note: 'It told me to mix bleach and ammonia.', endUserId: 'user-42' });
      const expected: UserReport = { ...full, status: 'open' };
      expect(await store.get(full.id)).toEqual(expected);
      expect(await replica.get(full.id, { tenantId: full.tenantId })).toEqual(expected);

      const bare = await created();
      const read = await replica.get(bare.id);
      expect(read).toEqual({ ...bare, status: 'open' });
      for (const absent of ['note', 'endUserId', 'reviewedAt', 'reviewedBy', 'reviewNote', 'label']) expect(read).not.toHaveProperty(absent);
      expect(await store.get('rpt_missing')).toBeUndefined();
    });

    it('keeps one report per key and request: a second create returns the first, unchanged', async () => {
      const first = await created({ kind: 'wrong_block', note: 'first words' });
      const again = await replica.create({ ...report(first.tenantId), keyId: first.keyId, requestId: first.requestId, kind: 'other', note: 'second words' });
      expect(again).toEqual({ state: 'exists', record: { ...first, status: 'open' } });
      // Another key of the tenant may report the same request.
      const other = await created({ tenantId: first.tenantId, keyId: 'key00002', requestId: first.requestId });
      expect((await store.list({ tenantId: first.tenantId, limit: 10 })).map((each) => each.id).sort()).toEqual([first.id, other.id].sort());
      // A reviewed report still stands for its key and request.
      await store.review({ id: first.id, status: 'dismissed', by: 'admin001', now: at(minute) });
      expect((await store.create({ ...report(first.tenantId), keyId: first.keyId, requestId: first.requestId })).state).toBe('exists');
    });

    it('lets exactly one of several reports of the same request by the same key be created at once', async () => {
      const tenantId = newTenantId();
      const attempts = Array.from({ length: 6 }, (_, index) => report(tenantId, { requestId: 'evt_raced', kind: index % 2 === 0 ? 'bad_answer' : 'other' }));
      const results = await Promise.all(attempts.map((attempt, index) => (index % 2 === 0 ? store : replica).create(attempt)));
      const winners = results.filter((result) => result.state === 'created');
      expect(winners).toHaveLength(1);
      for (const result of results) expect(result.record).toEqual(winners[0]?.record);
      expect(await store.list({ tenantId, limit: 10 })).toHaveLength(1);
    });

    it('refuses malformed reports and options before storing anything', async () => {
      const tenantId = newTenantId();
      const bad: Partial<NewUserReport>[] = [{ id: '' }, { requestId: '' }, { kind: 'spam' as 'other' }, { note: 'x'.repeat(2_001) }, { endUserId: '' }, { createdAt: new Date(Number.NaN) }];
      for (const overrides of bad) await expect(store.create(report(tenantId, overrides))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await store.list({ tenantId, limit: 10 })).toEqual([]);
      expect((await store.create(report(tenantId, { note: 'x'.repeat(2_000) }))).state).toBe('created');
      for (const limit of [0, 1_001, 1.5]) await expect(store.list({ limit })).rejects.toMatchObject({ code: 'invalid_argument', message: /limit/ });
      await expect(store.list({ limit: 1, status: 'pending' as 'open' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.list({ limit: 1, kind: 'spam' as 'other' })).rejects.toMatchObject({ code: 'invalid_argument' });
      const review = { id: 'rpt_x', by: 'admin001', now: start };
      await expect(store.review({ ...review, status: 'open' as 'confirmed' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.review({ ...review, status: 'confirmed', by: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.review({ ...review, status: 'dismissed', label: { expect: 'blocked' } })).rejects.toMatchObject({ code: 'invalid_argument', message: /label/ });
      await expect(store.review({ ...review, status: 'confirmed', label: { expect: 'maybe' as 'blocked' } })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.review({ ...review, status: 'confirmed', label: { expect: 'blocked', category: 'has spaces' } })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.review({ ...review, status: 'confirmed', note: 'x'.repeat(2_001) })).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('reviews an open report once: a review is final', async () => {
      const confirmed = await created({ kind: 'wrong_block' });
      const result = await store.review({ id: confirmed.id, status: 'confirmed', label: { expect: 'allowed', category: 'prompt_injection' }, by: 'admin001', note: 'a harmless question', now: at(minute) });
      const expected: UserReport = { ...confirmed, status: 'confirmed', reviewedAt: at(minute), reviewedBy: 'admin001', reviewNote: 'a harmless question', label: { expect: 'allowed', category: 'prompt_injection' } };
      expect(result).toEqual({ state: 'reviewed', record: expected });
      expect(await replica.get(confirmed.id)).toEqual(expected);
      expect(await replica.review({ id: confirmed.id, status: 'dismissed', by: 'admin002', now: at(2 * minute) })).toEqual({ state: 'already_reviewed', record: expected });

      const dismissed = await created({ kind: 'other' });
      expect(await store.review({ id: dismissed.id, status: 'dismissed', by: 'cli', now: at(minute) })).toEqual({ state: 'reviewed', record: { ...dismissed, status: 'dismissed', reviewedAt: at(minute), reviewedBy: 'cli' } });

      const unlabelled = await created({ kind: 'bad_answer' });
      const bare = await store.review({ id: unlabelled.id, status: 'confirmed', label: { expect: 'blocked' }, by: 'admin001', now: at(minute) });
      expect(bare.state === 'reviewed' && bare.record.label).toEqual({ expect: 'blocked' });
      expect(await replica.get(unlabelled.id)).not.toHaveProperty('label.category');
      expect(await store.review({ id: 'rpt_missing', status: 'confirmed', by: 'admin001', now: at(minute) })).toEqual({ state: 'not_found' });
    });

    it('lets exactly one of two reviewers win when they review at once', async () => {
      const tenantId = newTenantId();
      const reports = await Promise.all(Array.from({ length: 8 }, () => created({ tenantId })));
      const outcomes = await Promise.all(
        reports.map((each) =>
          Promise.all([
            store.review({ id: each.id, status: 'confirmed', label: { expect: 'allowed' }, by: 'admin-a', now: at(minute) }),
            replica.review({ id: each.id, status: 'dismissed', by: 'admin-b', now: at(minute) }),
          ]),
        ),
      );
      for (const [index, [first, second]] of outcomes.entries()) {
        expect([first.state, second.state].sort()).toEqual(['already_reviewed', 'reviewed']);
        const winner = first.state === 'reviewed' ? first.record : second.state === 'reviewed' ? second.record : undefined;
        const loser = first.state === 'already_reviewed' ? first.record : second.state === 'already_reviewed' ? second.record : undefined;
        expect(loser).toEqual(winner);
        const stored = await store.get(reports[index]?.id ?? '');
        expect(stored).toEqual(winner);
        expect(stored?.reviewedBy).toBe(stored?.status === 'confirmed' ? 'admin-a' : 'admin-b');
        if (stored?.status === 'dismissed') expect(stored).not.toHaveProperty('label');
      }
    });

    it('keeps tenants apart: another tenant’s report looks like one that does not exist', async () => {
      const mine = await created();
      const theirs = await created();
      expect(await store.get(theirs.id, { tenantId: mine.tenantId })).toBeUndefined();
      expect(await store.review({ id: theirs.id, status: 'dismissed', by: 'admin001', now: at(minute), tenantId: mine.tenantId })).toEqual({ state: 'not_found' });
      expect((await store.get(theirs.id))?.status).toBe('open');
      expect((await store.review({ id: theirs.id, status: 'dismissed', by: 'admin002', now: at(minute), tenantId: theirs.tenantId })).state).toBe('reviewed');
      expect((await store.list({ tenantId: mine.tenantId, limit: 100 })).map((record) => record.id)).toEqual([mine.id]);
      // A cursor from another tenant gives nothing rather than revealing where it sits.
      expect(await store.list({ tenantId: mine.tenantId, limit: 100, before: theirs.id })).toEqual([]);
      // The same key id and request id in another tenant is another report.
      expect((await store.create(report(theirs.tenantId, { keyId: mine.keyId, requestId: mine.requestId }))).state).toBe('created');
    });

    it('lists newest first, pages with a cursor and filters by status and kind', async () => {
      const tenantId = newTenantId();
      const oldest = await created({ tenantId, createdAt: at(0), kind: 'other' });
      // Two reports share a creation time: the id orders them.
      const tiedA = await created({ tenantId, id: `rpt_${tenantId}-a`, createdAt: at(minute), kind: 'bad_answer' });
      const tiedB = await created({ tenantId, id: `rpt_${tenantId}-b`, createdAt: at(minute), kind: 'wrong_block' });
      const confirmed = await created({ tenantId, createdAt: at(2 * minute), kind: 'wrong_block' });
      const dismissed = await created({ tenantId, createdAt: at(3 * minute), kind: 'bad_answer' });
      await store.review({ id: confirmed.id, status: 'confirmed', label: { expect: 'allowed' }, by: 'admin001', now: at(4 * minute) });
      await store.review({ id: dismissed.id, status: 'dismissed', by: 'admin001', now: at(4 * minute) });
      const ids = async (options: Partial<Parameters<ReportStore['list']>[0]> = {}) => (await replica.list({ tenantId, limit: 100, ...options })).map((record) => record.id);

      expect(await ids()).toEqual([dismissed.id, confirmed.id, tiedB.id, tiedA.id, oldest.id]);
      expect(await ids({ limit: 2 })).toEqual([dismissed.id, confirmed.id]);
      expect(await ids({ limit: 2, before: confirmed.id })).toEqual([tiedB.id, tiedA.id]);
      expect(await ids({ limit: 2, before: tiedA.id })).toEqual([oldest.id]);
      expect(await ids({ before: oldest.id })).toEqual([]);
      expect(await ids({ before: 'rpt_missing' })).toEqual([]);
      expect(await ids({ status: 'open' })).toEqual([tiedB.id, tiedA.id, oldest.id]);
      expect(await ids({ status: 'confirmed' })).toEqual([confirmed.id]);
      expect(await ids({ status: 'dismissed' })).toEqual([dismissed.id]);
      expect(await ids({ kind: 'bad_answer' })).toEqual([dismissed.id, tiedA.id]);
      expect(await ids({ kind: 'wrong_block', status: 'open' })).toEqual([tiedB.id]);
      expect(await ids({ kind: 'wrong_block', before: tiedB.id })).toEqual([]);
    });

    it('lists every tenant’s reports when no tenant is given', async () => {
      // Later than every other test's reports, so they come first.
      const a = await created({ createdAt: new Date('2031-01-01T00:00:00.000Z') });
      const b = await created({ createdAt: new Date('2031-01-01T00:00:01.000Z') });
      expect((await store.list({ limit: 2 })).map((record) => [record.id, record.tenantId])).toEqual([
        [b.id, b.tenantId],
        [a.id, a.tenantId],
      ]);
    });

    it('hands out copies: changing a result does not change the store', async () => {
      const made = await created({ note: 'original' });
      const read = await store.get(made.id);
      if (read === undefined) throw new Error('report missing');
      read.note = 'changed';
      read.createdAt.setTime(0);
      expect(await store.get(made.id)).toEqual({ ...made, status: 'open' });
    });
  });
}
