import { describe, expect, it } from 'vitest';
import { idempotencyStoreContract } from './idempotency-store-contract.js';
import type { StoredResponse } from './idempotency-store.js';
import { createMemoryIdempotencyStore, type MemoryIdempotencyStore } from './memory-idempotency-store.js';

function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => Promise<void> } {
  let time = start;
  return {
    now: () => time,
    advance: async (ms) => {
      time += ms;
    },
  };
}

idempotencyStoreContract(
  'memory idempotency store',
  async () => {
    const clock = fakeClock();
    const store = createMemoryIdempotencyStore({ now: clock.now });
    return { store, advance: clock.advance, cleanup: () => store.close() };
  },
  { virtualClock: true },
);

const DAY_MS = 24 * 60 * 60_000;
const bigBody = (bytes: number): StoredResponse => ({ status: 200, headers: {}, body: 'x'.repeat(bytes) });

describe('memory idempotency store', () => {
  it('sweeps expired keys, so memory holds only live ones', async () => {
    const clock = fakeClock();
    const store = createMemoryIdempotencyStore({ now: clock.now });
    for (let index = 0; index < 100; index++) await store.begin({ key: `tenant-a:key-${index}`, fingerprint: 'fp', leaseMs: 1_000 });
    await store.begin({ key: 'tenant-a:long', fingerprint: 'fp', leaseMs: 3_600_000 });
    expect(store.size).toBe(101);
    await clock.advance(60_000);
    await store.begin({ key: 'tenant-a:new', fingerprint: 'fp', leaseMs: 1_000 });
    expect(store.size).toBe(2);
  });

  it('stores a copy of the response, so the caller may change its own', async () => {
    const store = createMemoryIdempotencyStore();
    const response = { status: 201, headers: { 'x-a': '1' }, body: 'ok' };
    const begun = await store.begin({ key: 'k', fingerprint: 'fp', leaseMs: 60_000 });
    await store.complete({ key: 'k', owner: begun.state === 'claimed' ? begun.owner : '?', response, ttlMs: 60_000 });
    response.headers['x-a'] = '2';
    expect(await store.begin({ key: 'k', fingerprint: 'fp', leaseMs: 60_000 })).toEqual({ state: 'done', response: { status: 201, headers: { 'x-a': '1' }, body: 'ok' } });
  });

  describe('with a size cap', () => {
    const maxBytes = 10_000;

    async function claim(store: MemoryIdempotencyStore, key: string): Promise<string> {
      const begun = await store.begin({ key, fingerprint: 'fp', leaseMs: DAY_MS });
      if (begun.state !== 'claimed') throw new Error(`expected to claim ${key}, got ${begun.state}`);
      return begun.owner;
    }

    async function store(key: string, into: MemoryIdempotencyStore, bytes: number): Promise<boolean> {
      return into.complete({ key, owner: await claim(into, key), response: bigBody(bytes), ttlMs: DAY_MS });
    }

    it('holds 64 MiB by default, counting the stored bodies', async () => {
      const memory = createMemoryIdempotencyStore();
      expect(await store('k-1', memory, 33 * 1024 * 1024)).toBe(true);
      expect(memory.bytes).toBeGreaterThan(33 * 1024 * 1024);
      expect(await store('k-2', memory, 33 * 1024 * 1024)).toBe(true);
      expect(memory.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
      expect((await memory.begin({ key: 'k-1', fingerprint: 'fp', leaseMs: DAY_MS })).state).toBe('claimed');
    });

    it('drops the oldest stored responses first to make room, never a claim in progress', async () => {
      const memory = createMemoryIdempotencyStore({ maxBytes });
      const running = await claim(memory, 'running');
      for (const key of ['old', 'middle', 'new']) expect(await store(key, memory, 2_500)).toBe(true);
      expect(await store('newest', memory, 2_500)).toBe(true);
      expect(memory.bytes).toBeLessThanOrEqual(maxBytes);
      expect((await memory.begin({ key: 'old', fingerprint: 'fp', leaseMs: DAY_MS })).state).toBe('claimed');
      for (const key of ['middle', 'new', 'newest']) expect((await memory.begin({ key, fingerprint: 'fp', leaseMs: DAY_MS })).state).toBe('done');
      expect(await memory.begin({ key: 'running', fingerprint: 'fp', leaseMs: DAY_MS })).toEqual({ state: 'in_progress' });
      expect(await memory.complete({ key: 'running', owner: running, response: bigBody(10), ttlMs: DAY_MS })).toBe(true);
    });

    it('refuses a new key with unavailable when claims in progress fill it, rather than drop one of them', async () => {
      const memory = createMemoryIdempotencyStore({ maxBytes: 1_000 });
      const owners: string[] = [];
      let refused: unknown;
      for (let index = 0; index < 10 && refused === undefined; index++) {
        await claim(memory, `running-${index}`).then((owner) => owners.push(owner), (error: unknown) => (refused = error));
      }
      expect(refused).toMatchObject({ code: 'unavailable' });
      expect(owners.length).toBeGreaterThan(0);
      for (let index = 0; index < owners.length; index++) expect(await memory.begin({ key: `running-${index}`, fingerprint: 'fp', leaseMs: DAY_MS })).toEqual({ state: 'in_progress' });
      // A finished request makes room again.
      await memory.release({ key: 'running-0', owner: owners[0] ?? '' });
      expect((await memory.begin({ key: 'another', fingerprint: 'fp', leaseMs: DAY_MS })).state).toBe('claimed');
    });

    it('makes room from expired claims before refusing', async () => {
      const clock = fakeClock();
      const memory = createMemoryIdempotencyStore({ now: clock.now, maxBytes: 1_000 });
      const full = async (): Promise<boolean> => {
        for (let index = 0; index < 100; index++) {
          if ((await memory.begin({ key: `crashed-${index}`, fingerprint: 'fp', leaseMs: 1_000 }).catch(() => undefined)) === undefined) return true;
        }
        return false;
      };
      expect(await full()).toBe(true);
      await clock.advance(1_000);
      expect((await memory.begin({ key: 'retry', fingerprint: 'fp', leaseMs: 1_000 })).state).toBe('claimed');
    });

    it('does not keep a response bigger than the room left: the key is released and a retry runs again', async () => {
      const memory = createMemoryIdempotencyStore({ maxBytes });
      const owner = await claim(memory, 'huge');
      expect(await memory.complete({ key: 'huge', owner, response: bigBody(maxBytes), ttlMs: DAY_MS })).toBe(false);
      expect((await memory.begin({ key: 'huge', fingerprint: 'fp', leaseMs: DAY_MS })).state).toBe('claimed');
      expect(memory.bytes).toBeLessThanOrEqual(maxBytes);
    });

    it('rejects a cap that is not a positive whole number', () => {
      expect(() => createMemoryIdempotencyStore({ maxBytes: 0 })).toThrow(/maxBytes/);
    });
  });
});
