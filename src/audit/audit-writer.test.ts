import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditWriter, defaultWriterId } from './audit-writer.js';
import { MemoryAuditStore } from './memory-audit-store.js';
import { interceptStore, requestEvent } from './test-support/audit-fixtures.js';
import { verifyAuditLog } from './verify-audit-log.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createAuditWriter', () => {
  it('anchors on its timer while it has unanchored events, and not when idle', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = new MemoryAuditStore();
    const writer = createAuditWriter({ store, writerId: 'writer-a', anchorEvery: { events: 1000, ms: 5000 } });
    await writer.append(requestEvent(1));
    vi.advanceTimersByTime(4999);
    expect(store.rows.anchors).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await vi.waitFor(() => expect(store.rows.anchors).toHaveLength(1));
    vi.advanceTimersByTime(20_000);
    await Promise.resolve();
    expect(store.rows.anchors).toHaveLength(1);
    await writer.close();
  });

  it('close() commits what is queued, writes the closing anchor, then refuses appends', async () => {
    const store = new MemoryAuditStore();
    const writer = createAuditWriter({ store, writerId: 'writer-a' });
    const queued = [1, 2, 3].map((n) => writer.append(requestEvent(n)));
    await writer.close();
    expect((await Promise.all(queued)).map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(store.rows.anchors.map((anchor) => anchor.kind)).toEqual(['writer-closed']);
    await expect(writer.append(requestEvent(4))).rejects.toMatchObject({ code: 'unavailable' });
    await writer.close();
    expect(store.rows.anchors).toHaveLength(1);
  });

  it('a writer that wrote nothing writes no anchor when it closes', async () => {
    const store = new MemoryAuditStore();
    await createAuditWriter({ store }).close();
    expect(store.rows.anchors).toHaveLength(0);
  });

  it('splits a large backlog into bounded transactions', async () => {
    const batches: number[] = [];
    const memory = new MemoryAuditStore();
    const original = memory.appendEvents.bind(memory);
    memory.appendEvents = async (batch) => {
      batches.push(batch.events.length);
      return original(batch);
    };
    const writer = createAuditWriter({ store: memory, writerId: 'writer-a' });
    await Promise.all(Array.from({ length: 1200 }, (_, n) => writer.append(requestEvent(n))));
    expect(batches).toEqual([500, 500, 200]);
    await writer.close();
    expect((await verifyAuditLog(memory)).ok).toBe(true);
  });

  it('commits appends from callbacks of the same event-loop turn together, even when the store is synchronous', async () => {
    const batches: number[] = [];
    const memory = new MemoryAuditStore();
    const original = memory.appendEvents.bind(memory);
    memory.appendEvents = async (batch) => {
      batches.push(batch.events.length);
      return original(batch);
    };
    const writer = createAuditWriter({ store: memory, writerId: 'writer-a' });
    // Three timers due together run in one timers phase, like responses read in one poll phase.
    const appended = await Promise.all([1, 2, 3].map((n) => new Promise((resolve) => setTimeout(() => resolve(writer.append(requestEvent(n))), 0))));
    expect(appended).toHaveLength(3);
    expect(batches).toEqual([3]);
    await writer.append(requestEvent(4));
    expect(batches).toEqual([3, 1]);
    await writer.close();
  });

  it('a failing anchor is reported and does not affect appends', async () => {
    const memory = new MemoryAuditStore();
    const store = interceptStore(memory, (method) => {
      if (method === 'appendAnchor') throw new Error('anchor table locked');
    });
    const failures: unknown[] = [];
    const writer = createAuditWriter({ store, writerId: 'writer-a', anchorEvery: { events: 2, ms: 60_000 }, onAnchorError: (error) => failures.push(error) });
    for (const n of [1, 2, 3]) await writer.append(requestEvent(n));
    await vi.waitFor(() => expect(failures.length).toBeGreaterThan(0));
    expect(writer.head().seq).toBe(3);
    await expect(writer.close()).rejects.toThrow(/anchor table locked/);
  });

  it('continues the stored chain of an existing writer id', async () => {
    const store = new MemoryAuditStore();
    const first = createAuditWriter({ store, writerId: 'cli-run' });
    await first.append(requestEvent(1));
    await first.close();
    const second = createAuditWriter({ store, writerId: 'cli-run' });
    expect((await second.append(requestEvent(2))).seq).toBe(2);
    await second.close();
    expect((await verifyAuditLog(store)).ok).toBe(true);
  });

  it('refuses a meaningless anchor interval', () => {
    expect(() => createAuditWriter({ store: new MemoryAuditStore(), anchorEvery: { events: 0, ms: 1000 } })).toThrow(/anchorEvery/);
  });

  it('gives each process lifetime its own writer id, with host and pid', () => {
    const one = defaultWriterId();
    expect(one).toContain(`-${process.pid}-`);
    expect(one).not.toBe(defaultWriterId());
  });
});
