import { describe, expect, it } from 'vitest';
import { abuseScoreStoreContract } from './abuse-score-store-contract.js';
import { escalationPolicy } from './abuse-score-store.js';
import { createMemoryAbuseScoreStore } from './memory-abuse-score-store.js';

function fakeClock(start = 1_900_000_020_000): { now: () => number; advance: (ms: number) => Promise<void> } {
  let time = start;
  return {
    now: () => time,
    advance: async (ms) => {
      time += ms;
    },
  };
}

abuseScoreStoreContract(
  'memory abuse score store',
  async () => {
    const clock = fakeClock();
    const store = createMemoryAbuseScoreStore({ now: clock.now });
    return { store, replica: store, advance: clock.advance, cleanup: () => store.close() };
  },
  { virtualClock: true },
);

describe('memory abuse score store', () => {
  const policy = escalationPolicy({ windowMs: 1_000, throttleForMs: 1_000, suspendForMs: 1_000 });

  it('sweeps subjects with an empty window and no state, so memory holds only live ones', async () => {
    const clock = fakeClock();
    const store = createMemoryAbuseScoreStore({ now: clock.now });
    for (let index = 0; index < 50; index++) await store.record({ subject: { kind: 'key', id: `k${index}` }, weight: 1, policy });
    await store.record({ subject: { kind: 'key', id: 'bad' }, weight: 30, policy });
    expect(store.size).toBe(51);
    await clock.advance(60_000);
    await store.record({ subject: { kind: 'key', id: 'fresh' }, weight: 1, policy });
    expect(store.size).toBe(1);
  });

  it('drops the least recently touched subject when full of live ones', async () => {
    const clock = fakeClock();
    const store = createMemoryAbuseScoreStore({ now: clock.now, maxSubjects: 2 });
    await store.record({ subject: { kind: 'key', id: 'a' }, weight: 30, policy });
    await store.record({ subject: { kind: 'key', id: 'b' }, weight: 30, policy });
    await store.record({ subject: { kind: 'key', id: 'a' }, weight: 1, policy });
    await store.record({ subject: { kind: 'key', id: 'c' }, weight: 30, policy });
    expect(store.size).toBe(2);
    const states = await store.read([{ kind: 'key', id: 'a' }, { kind: 'key', id: 'b' }, { kind: 'key', id: 'c' }]);
    expect(states.map((state) => state.state)).toEqual(['suspended', 'normal', 'suspended']);
  });

  it('refuses calls after close', async () => {
    const store = createMemoryAbuseScoreStore();
    await store.close();
    await expect(store.read([])).rejects.toMatchObject({ code: 'unavailable' });
  });
});
