import { describe, expect, it } from 'vitest';
import { createMemoryToolBudgetStore } from './memory-tool-budget-store.js';
import { toolBudgetStoreContract } from './tool-budget-store-contract.js';

/** A clock on a whole minute (the contract's exact-instant case relies on it). */
function fakeClock(start = 1_900_000_020_000): { now: () => number; advance: (ms: number) => Promise<void> } {
  let time = start;
  return {
    now: () => time,
    advance: async (ms) => {
      time += ms;
    },
  };
}

toolBudgetStoreContract(
  'memory tool budget store',
  async () => {
    const clock = fakeClock();
    const store = createMemoryToolBudgetStore({ now: clock.now });
    return { store, replica: store, advance: clock.advance, cleanup: () => store.close() };
  },
  { virtualClock: true },
);

describe('memory tool budget store', () => {
  it('sweeps counters whose window ended, so memory holds only live ones', async () => {
    const clock = fakeClock();
    const store = createMemoryToolBudgetStore({ now: clock.now });
    for (let index = 0; index < 100; index++) await store.take({ key: `k${index}`, limit: 5, windowMs: 1_000 });
    expect(store.size).toBe(100);
    await clock.advance(60_000);
    await store.take({ key: 'later', limit: 5, windowMs: 1_000 });
    expect(store.size).toBe(1);
  });

  it('when full of live counters, refuses a new key rather than drop a live count', async () => {
    const clock = fakeClock();
    const store = createMemoryToolBudgetStore({ now: clock.now, maxKeys: 2 });
    await store.take({ key: 'a', limit: 1, windowMs: 10_000 });
    await store.take({ key: 'b', limit: 5, windowMs: 60_000 });
    await expect(store.take({ key: 'c', limit: 5, windowMs: 60_000 })).rejects.toMatchObject({ code: 'unavailable', retryAfter: 10 });
    // Keys already held still count.
    expect(await store.take({ key: 'a', limit: 1, windowMs: 10_000 })).toMatchObject({ allowed: false, count: 1 });
    expect(await store.take({ key: 'b', limit: 5, windowMs: 60_000 })).toMatchObject({ allowed: true, count: 2 });
    await clock.advance(10_000);
    expect(await store.take({ key: 'c', limit: 5, windowMs: 60_000 })).toMatchObject({ allowed: true, count: 1 });
    expect(() => createMemoryToolBudgetStore({ maxKeys: 0 })).toThrow(/maxKeys/);
  });

  it('refuses calls once closed', async () => {
    const store = createMemoryToolBudgetStore();
    await store.close();
    await expect(store.take({ key: 'k', limit: 1, windowMs: 1_000 })).rejects.toMatchObject({ code: 'unavailable' });
  });
});
