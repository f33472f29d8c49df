/**
 * The behaviour every `ApprovalStore` backend must have, run by each backend's test file. The
 * backends share one database per test file, so every test works in tenants of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest, ApprovalStore, NewApprovalRequest } from './approval-store.js';
import { newApprovalId } from './approval-store.js';
import { hashToolArguments } from './tool-arguments.js';

export interface ApprovalStoreHarness {
  store: ApprovalStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: ApprovalStore;
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

const argumentsText = '{"to":"ops@example.test","subject":"Quarterly report","attach":["q3.pdf"]}';

function proposal(tenantId: string, overrides: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  return {
    id: newApprovalId(),
    tenantId,
    keyId: 'key00001',
    requestId: `evt_${Math.random().toString(36).slice(2, 10)}`,
    tool: 'send_email',
    arguments: argumentsText,
    argsHash: hashToolArguments(argumentsText),
    risk: 'irreversible',
    reasons: ['irreversible'],
    createdAt: start,
    expiresAt: at(10 * minute),
    ...overrides,
  };
}

export function approvalStoreContract(backend: string, open: () => Promise<ApprovalStoreHarness>): void {
  describe(`ApprovalStore contract: ${backend}`, () => {
    let harness: ApprovalStoreHarness;
    let store: ApprovalStore;
    let replica: ApprovalStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    async function created(overrides: Partial<NewApprovalRequest> & { tenantId?: string } = {}): Promise<NewApprovalRequest> {
      const request = proposal(overrides.tenantId ?? newTenantId(), overrides);
      expect(await store.create(request)).toBe('created');
      return request;
    }

    it('creates a pending request and reads it back exactly, on every replica', async () => {
      const full = await created({ sessionId: 'sess-1', route: 'support', callId: 'call_abc', reasons: ['always', 'tainted'], risk: 'write' });
      const expected: ApprovalRequest = { ...full, status: 'pending' };
      expect(await store.get(full.id, { now: start })).toEqual(expected);
      expect(await replica.get(full.id, { now: at(minute), tenantId: full.tenantId })).toEqual(expected);

      const bare = await created();
      const read = await replica.get(bare.id, { now: start });
      expect(read).toEqual({ ...bare, status: 'pending' });
      for (const absent of ['sessionId', 'route', 'callId', 'decidedAt', 'decidedBy', 'note', 'tokenIssuedAt']) expect(read).not.toHaveProperty(absent);

      expect(await replica.create({ ...bare, tool: 'other_tool' })).toBe('exists');
      expect((await store.get(bare.id, { now: start }))?.tool).toBe('send_email');
      expect(await store.get('apr_missing', { now: start })).toBeUndefined();
    });

    it('refuses malformed requests and options before storing anything', async () => {
      const tenantId = newTenantId();
      const bad: Partial<NewApprovalRequest>[] = [
        { id: '' },
        { argsHash: 'ABC' },
        { risk: 'dangerous' as 'write' },
        { reasons: [] },
        { expiresAt: start },
        { createdAt: new Date(Number.NaN) },
      ];
      for (const overrides of bad) await expect(store.create(proposal(tenantId, overrides))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await store.list({ now: start, tenantId, limit: 10 })).toEqual([]);
      for (const limit of [0, 1_001, 1.5]) await expect(store.list({ now: start, limit })).rejects.toMatchObject({ code: 'invalid_argument', message: /limit/ });
      await expect(store.list({ now: start, limit: 1, status: 'open' as 'pending' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.decide({ id: 'x', decision: 'maybe' as 'approved', by: 'k', now: start })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.decide({ id: 'x', decision: 'approved', by: '', now: start })).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('decides a pending request once: a decision is final', async () => {
      const request = await created();
      const approved = await store.decide({ id: request.id, decision: 'approved', by: 'admin001', note: 'checked the recipient', now: at(minute) });
      const expected: ApprovalRequest = { ...request, status: 'approved', decidedAt: at(minute), decidedBy: 'admin001', note: 'checked the recipient' };
      expect(approved).toEqual({ state: 'decided', record: expected });
      expect(await replica.get(request.id, { now: at(2 * minute) })).toEqual(expected);
      expect(await replica.decide({ id: request.id, decision: 'denied', by: 'admin002', now: at(2 * minute) })).toEqual({ state: 'already_decided', record: expected });
      // Past the deadline a decided request stays decided: expiry concerns pending requests only.
      expect((await store.get(request.id, { now: at(60 * minute) }))?.status).toBe('approved');

      const denied = await created();
      const result = await store.decide({ id: denied.id, decision: 'denied', by: 'admin001', now: at(minute) });
      expect(result).toEqual({ state: 'decided', record: { ...denied, status: 'denied', decidedAt: at(minute), decidedBy: 'admin001' } });
      expect(await store.decide({ id: 'apr_missing', decision: 'approved', by: 'admin001', now: at(minute) })).toEqual({ state: 'not_found' });
    });

    it('reads a pending request as expired from its deadline on, and never decides it', async () => {
      const request = await created({ expiresAt: at(10 * minute) });
      expect((await store.get(request.id, { now: at(10 * minute - 1) }))?.status).toBe('pending');
      expect((await replica.get(request.id, { now: at(10 * minute) }))?.status).toBe('expired');
      const refused = await replica.decide({ id: request.id, decision: 'approved', by: 'admin001', now: at(10 * minute) });
      expect(refused).toEqual({ state: 'expired', record: { ...request, status: 'expired' } });
      // Nothing was written: expiry is a reading of time, not a state change.
      expect(await store.get(request.id, { now: at(minute) })).toEqual({ ...request, status: 'pending' });
      expect((await store.markTokenIssued({ id: request.id, now: at(11 * minute) })).state).toBe('not_approved');

      const inTime = await created({ tenantId: request.tenantId, expiresAt: at(10 * minute) });
      expect((await store.decide({ id: inTime.id, decision: 'approved', by: 'admin001', now: at(10 * minute - 1) })).state).toBe('decided');
    });

    it('lets exactly one of two deciders win when they decide at once', async () => {
      const tenantId = newTenantId();
      const requests = await Promise.all(Array.from({ length: 8 }, () => created({ tenantId })));
      const outcomes = await Promise.all(
        requests.map((request) =>
          Promise.all([
            store.decide({ id: request.id, decision: 'approved', by: 'admin-a', now: at(minute) }),
            replica.decide({ id: request.id, decision: 'denied', by: 'admin-b', now: at(minute) }),
          ]),
        ),
      );
      for (const [index, [first, second]] of outcomes.entries()) {
        const states = [first.state, second.state].sort();
        expect(states).toEqual(['already_decided', 'decided']);
        const winner = first.state === 'decided' ? first.record : second.state === 'decided' ? second.record : undefined;
        const loser = first.state === 'already_decided' ? first.record : second.state === 'already_decided' ? second.record : undefined;
        expect(loser).toEqual(winner);
        const stored = await store.get(requests[index]?.id ?? '', { now: at(minute) });
        expect(stored).toEqual(winner);
        expect(stored?.decidedBy).toBe(stored?.status === 'approved' ? 'admin-a' : 'admin-b');
      }
    });

    it('hands out an approved call once: markTokenIssued succeeds the first time only', async () => {
      const request = await created();
      expect(await store.markTokenIssued({ id: request.id, now: at(minute) })).toEqual({ state: 'not_approved', record: { ...request, status: 'pending' } });
      await store.decide({ id: request.id, decision: 'approved', by: 'admin001', now: at(minute) });
      const issued = await store.markTokenIssued({ id: request.id, now: at(2 * minute), tenantId: request.tenantId });
      expect(issued).toEqual({ state: 'issued', record: { ...request, status: 'approved', decidedAt: at(minute), decidedBy: 'admin001', tokenIssuedAt: at(2 * minute) } });
      const again = await replica.markTokenIssued({ id: request.id, now: at(3 * minute) });
      expect(again.state).toBe('already_issued');
      expect(again.state === 'already_issued' && again.record.tokenIssuedAt).toEqual(at(2 * minute));

      const denied = await created();
      await store.decide({ id: denied.id, decision: 'denied', by: 'admin001', now: at(minute) });
      expect((await store.markTokenIssued({ id: denied.id, now: at(2 * minute) })).state).toBe('not_approved');
      expect(await store.markTokenIssued({ id: 'apr_missing', now: at(2 * minute) })).toEqual({ state: 'not_found' });

      // Two fetches at once: one token between them.
      const raced = await Promise.all(Array.from({ length: 6 }, () => created()));
      for (const each of raced) await store.decide({ id: each.id, decision: 'approved', by: 'admin001', now: at(minute) });
      const results = await Promise.all(raced.flatMap((each) => [store.markTokenIssued({ id: each.id, now: at(2 * minute) }), replica.markTokenIssued({ id: each.id, now: at(2 * minute) })]));
      expect(results.filter((result) => result.state === 'issued')).toHaveLength(raced.length);
      expect(results.filter((result) => result.state === 'already_issued')).toHaveLength(raced.length);
    });

    it('keeps tenants apart: another tenant’s request looks like one that does not exist', async () => {
      const mine = await created();
      const theirs = await created();
      expect(await store.get(theirs.id, { now: start, tenantId: mine.tenantId })).toBeUndefined();
      expect(await store.decide({ id: theirs.id, decision: 'approved', by: 'admin001', now: at(minute), tenantId: mine.tenantId })).toEqual({ state: 'not_found' });
      expect((await store.get(theirs.id, { now: at(minute) }))?.status).toBe('pending');
      await store.decide({ id: theirs.id, decision: 'approved', by: 'admin002', now: at(minute), tenantId: theirs.tenantId });
      expect(await store.markTokenIssued({ id: theirs.id, now: at(minute), tenantId: mine.tenantId })).toEqual({ state: 'not_found' });
      expect((await store.list({ now: start, tenantId: mine.tenantId, limit: 100 })).map((record) => record.id)).toEqual([mine.id]);
      // A cursor from another tenant gives nothing rather than revealing where it sits.
      expect(await store.list({ now: start, tenantId: mine.tenantId, limit: 100, before: theirs.id })).toEqual([]);
    });

    it('lists newest first, pages with a cursor and filters by status as of now', async () => {
      const tenantId = newTenantId();
      // Two requests share a creation time: the id orders them.
      const oldest = await created({ tenantId, createdAt: at(0), expiresAt: at(5 * minute) });
      const [tieLow, tieHigh] = [`apr_${tenantId}-a`, `apr_${tenantId}-b`];
      const tiedA = await created({ tenantId, id: tieLow, createdAt: at(minute), expiresAt: at(30 * minute) });
      const tiedB = await created({ tenantId, id: tieHigh, createdAt: at(minute), expiresAt: at(30 * minute) });
      const approved = await created({ tenantId, createdAt: at(2 * minute), expiresAt: at(30 * minute) });
      const denied = await created({ tenantId, createdAt: at(3 * minute), expiresAt: at(30 * minute) });
      await store.decide({ id: approved.id, decision: 'approved', by: 'admin001', now: at(4 * minute) });
      await store.decide({ id: denied.id, decision: 'denied', by: 'admin001', now: at(4 * minute) });
      const now = at(10 * minute);
      const ids = async (options: Partial<Parameters<ApprovalStore['list']>[0]> = {}) =>
        (await replica.list({ now, tenantId, limit: 100, ...options })).map((record) => record.id);

      expect(await ids()).toEqual([denied.id, approved.id, tiedB.id, tiedA.id, oldest.id]);
      expect(await ids({ limit: 2 })).toEqual([denied.id, approved.id]);
      expect(await ids({ limit: 2, before: approved.id })).toEqual([tiedB.id, tiedA.id]);
      expect(await ids({ limit: 2, before: tiedA.id })).toEqual([oldest.id]);
      expect(await ids({ before: oldest.id })).toEqual([]);
      expect(await ids({ before: 'apr_missing' })).toEqual([]);
      expect(await ids({ status: 'pending' })).toEqual([tiedB.id, tiedA.id]);
      expect(await ids({ status: 'expired' })).toEqual([oldest.id]);
      expect(await ids({ status: 'approved' })).toEqual([approved.id]);
      expect(await ids({ status: 'denied' })).toEqual([denied.id]);
      expect(await ids({ status: 'pending', now: at(4 * minute) })).toEqual([tiedB.id, tiedA.id, oldest.id]);
      const listed = await replica.list({ now, tenantId, limit: 100, status: 'expired' });
      expect(listed).toEqual([{ ...oldest, status: 'expired' }]);
    });

    it('lists every tenant’s requests when no tenant is given', async () => {
      // Later than every other test's requests, so they come first.
      const a = await created({ createdAt: new Date('2031-01-01T00:00:00.000Z'), expiresAt: new Date('2031-01-02T00:00:00.000Z') });
      const b = await created({ createdAt: new Date('2031-01-01T00:00:01.000Z'), expiresAt: new Date('2031-01-02T00:00:00.000Z') });
      expect((await store.list({ now: start, limit: 2 })).map((record) => [record.id, record.tenantId])).toEqual([
        [b.id, b.tenantId],
        [a.id, a.tenantId],
      ]);
    });

    it('hands out copies: changing a result does not change the store', async () => {
      const request = await created();
      const read = await store.get(request.id, { now: start });
      if (read === undefined) throw new Error('request missing');
      read.reasons.push('changed');
      read.createdAt.setTime(0);
      expect(await store.get(request.id, { now: start })).toEqual({ ...request, status: 'pending' });
    });
  });
}
