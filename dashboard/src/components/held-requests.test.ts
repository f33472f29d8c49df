import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../api/wire.js';
import { readHeldPage, type HeldAction, type HeldCursor, type ReadHeld } from './held-requests.js';

const event = (id: string, minute: number, action: HeldAction): AuditEvent => ({ id, type: 'request', time: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), action, data: {}, writer_id: 'w', seq: minute, hash: 'h' });

/** The audit API over fixed events, newest first, with keyset cursors (here: the offset), recording every read. */
function fakeAuditLog(events: Record<HeldAction, AuditEvent[]>) {
  const reads: { action: HeldAction; cursor: string | undefined; limit: number }[] = [];
  const read: ReadHeld = async (query) => {
    reads.push(query);
    const start = query.cursor === undefined ? 0 : Number(query.cursor.replace('offset-', ''));
    const all = events[query.action];
    const end = start + query.limit;
    return { data: all.slice(start, end), next_cursor: end < all.length ? `offset-${end}` : null };
  };
  return { read, reads };
}

async function readAll(read: ReadHeld, count: number): Promise<{ pages: string[][]; last: HeldCursor | undefined }> {
  const pages: string[][] = [];
  let after: HeldCursor | undefined;
  for (let guard = 0; guard < 20; guard += 1) {
    const page = await readHeldPage({ read, count, ...(after === undefined ? {} : { after }) });
    pages.push(page.events.map((each) => each.id));
    if (page.next === undefined) return { pages, last: page.next };
    after = page.next;
  }
  throw new Error('the pages never ended');
}

describe('readHeldPage', () => {
  const escalated = [event('e9', 9, 'escalate'), event('e7', 7, 'escalate'), event('e6', 6, 'escalate'), event('e2', 2, 'escalate')];
  const approvals = [event('a8', 8, 'require_approval'), event('a5', 5, 'require_approval'), event('a1', 1, 'require_approval')];

  it('merges both actions newest first, a page at a time, without skipping or repeating a request', async () => {
    const { read } = fakeAuditLog({ escalate: escalated, require_approval: approvals });
    const { pages } = await readAll(read, 3);
    expect(pages).toEqual([
      ['e9', 'a8', 'e7'],
      ['e6', 'a5', 'e2'],
      ['a1'],
    ]);
  });

  it('reads each action only as far as the page needs, passing the API’s cursor back', async () => {
    const { read, reads } = fakeAuditLog({ escalate: escalated, require_approval: approvals });
    const first = await readHeldPage({ read, count: 3 });
    expect(reads).toEqual([
      { action: 'escalate', cursor: undefined, limit: 3 },
      { action: 'require_approval', cursor: undefined, limit: 3 },
    ]);
    reads.length = 0;
    await readHeldPage({ read, count: 3, ...(first.next === undefined ? {} : { after: first.next }) });
    // e6 waits, so two more escalations make three candidates; every approval was read already (a5 and a1 wait).
    expect(reads).toEqual([{ action: 'escalate', cursor: 'offset-3', limit: 2 }]);
  });

  it('says when nothing older is left, and reads nothing more once an action is exhausted', async () => {
    const { read, reads } = fakeAuditLog({ escalate: [], require_approval: [] });
    expect(await readHeldPage({ read, count: 50 })).toEqual({ events: [], next: undefined });

    const one = fakeAuditLog({ escalate: [event('e3', 3, 'escalate')], require_approval: approvals });
    const page = await readHeldPage({ read: one.read, count: 2 });
    expect(page.events.map((each) => each.id)).toEqual(['a8', 'a5']);
    one.reads.length = 0;
    const rest = await readHeldPage({ read: one.read, count: 2, ...(page.next === undefined ? {} : { after: page.next }) });
    expect(rest.events.map((each) => each.id)).toEqual(['e3', 'a1']);
    expect(rest.next).toBeUndefined();
    expect(one.reads.map((each) => each.action)).toEqual(['require_approval']);
    expect(reads).toHaveLength(2);
  });
});
