import { describe, expect, it } from 'vitest';
import { idempotencyStoreContract } from './idempotency-store-contract.js';
import { createMemoryIdempotencyStore } from './memory-idempotency-store.js';

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

describe('memory idempotency store', () => {
  it('sweeps expired keys, so memory holds only live ones', async () => {
    const clock = fakeClock();
    const store = createMemoryIdempotencyStore({ now: clock.now });
    for (let index = 0; index < 100; index++) await store.begin(`tenant-a:key-${index}`, 'fp', 1_000);
    await store.begin('tenant-a:long', 'fp', 3_600_000);
    expect(store.size).toBe(101);
    await clock.advance(60_000);
    await store.begin('tenant-a:new', 'fp', 1_000);
    expect(store.size).toBe(2);
  });

  it('stores a copy of the response, so the caller may change its own', async () => {
    const store = createMemoryIdempotencyStore();
    const response = { status: 201, headers: { 'x-a': '1' }, body: 'ok' };
    await store.begin('k', 'fp', 60_000);
    await store.complete('k', response, 60_000);
    response.headers['x-a'] = '2';
    expect(await store.begin('k', 'fp', 60_000)).toEqual({ state: 'done', response: { status: 201, headers: { 'x-a': '1' }, body: 'ok' } });
  });
});
