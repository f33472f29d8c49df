import { describe, expect, it } from 'vitest';
import { createReplayCache } from './replay-cache.js';

const entry = (tokenId: string, until: number, now: number) => ({ keyId: 'k1', tokenId, until, now });

describe('replay cache', () => {
  it('remembers a token until its time, then forgets it', async () => {
    const cache = createReplayCache();
    expect(await cache.remember(entry('a', 1_000, 0))).toBe('first');
    expect(await cache.remember(entry('a', 1_000, 999))).toBe('replayed');
    expect(await cache.remember(entry('a', 1_000, 1_000))).toBe('first');
    // Token ids are per key.
    expect(await cache.remember({ keyId: 'k2', tokenId: 'a', until: 5_000, now: 1_000 })).toBe('first');
  });

  it('sweeps expired entries, so it holds only live tokens', async () => {
    const cache = createReplayCache();
    for (let index = 0; index < 50; index++) await cache.remember(entry(`t${index}`, 1_000, 0));
    expect(cache.size).toBe(50);
    await cache.remember(entry('later', 200_000, 120_000));
    expect(cache.size).toBe(1);
  });

  it('when full of live tokens, refuses new ones rather than forget old ones', async () => {
    const cache = createReplayCache({ maxEntries: 3 });
    for (const [tokenId, until] of [['a', 10_000], ['b', 5_000], ['c', 20_000]] as const) expect(await cache.remember(entry(tokenId, until, 0))).toBe('first');
    await expect(cache.remember(entry('d', 30_000, 1_000))).rejects.toMatchObject({ code: 'unavailable', retryAfter: 4 });
    // The old tokens are still refused as replays: nothing was forgotten.
    for (const tokenId of ['a', 'b', 'c']) expect(await cache.remember(entry(tokenId, 30_000, 1_000))).toBe('replayed');
    // Once the earliest entry expires there is room again.
    expect(await cache.remember(entry('d', 30_000, 5_000))).toBe('first');
    expect(cache.size).toBe(3);
    await expect(cache.remember(entry('e', 30_000, 5_001))).rejects.toMatchObject({ code: 'unavailable', retryAfter: 5 });
  });

  it('rejects a bound that is not a positive whole number', () => {
    expect(() => createReplayCache({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => createReplayCache({ maxEntries: 1.5 })).toThrow(/maxEntries/);
  });
});
