import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdIdempotencyClaim } from './hold-idempotency-claim.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { createMemoryIdempotencyStore } from './memory-idempotency-store.js';

const LEASE_MS = 30_000;
const DAY_MS = 24 * 60 * 60_000;
const response = { status: 200, headers: {}, body: 'ok' };

/** A store with a claimed key; the fake timers drive both the renewals and the store's clock. */
async function claimed(key = 'tenant-a:key'): Promise<{ store: IdempotencyStore; owner: string; state: () => Promise<string> }> {
  const store = createMemoryIdempotencyStore();
  const begun = await store.begin({ key, fingerprint: 'fp', leaseMs: LEASE_MS });
  if (begun.state !== 'claimed') throw new Error('expected a claim');
  return { store, owner: begun.owner, state: async () => (await store.begin({ key, fingerprint: 'fp', leaseMs: LEASE_MS })).state };
}

describe('holdIdempotencyClaim', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the key for a request that runs many leases long, then stores its response for the TTL', async () => {
    const { store, owner, state } = await claimed();
    const held = holdIdempotencyClaim({ store, key: 'tenant-a:key', owner, leaseMs: LEASE_MS, ttlMs: DAY_MS });
    await vi.advanceTimersByTimeAsync(5 * LEASE_MS);
    expect(await state()).toBe('in_progress');
    expect(await held.complete(response)).toBe(true);
    await vi.advanceTimersByTimeAsync(DAY_MS - 1);
    expect(await state()).toBe('done');
  });

  it('renews the lease every third of it, so two renewals in a row may fail', async () => {
    const { store, owner } = await claimed();
    const renew = vi.spyOn(store, 'renew');
    holdIdempotencyClaim({ store, key: 'tenant-a:key', owner, leaseMs: LEASE_MS, ttlMs: DAY_MS });
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3 - 1);
    expect(renew).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(renew).toHaveBeenCalledWith({ key: 'tenant-a:key', owner, leaseMs: LEASE_MS });
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    expect(renew).toHaveBeenCalledTimes(2);
  });

  it('stops renewing once released or completed', async () => {
    const { store, owner, state } = await claimed();
    const renew = vi.spyOn(store, 'renew');
    const held = holdIdempotencyClaim({ store, key: 'tenant-a:key', owner, leaseMs: LEASE_MS, ttlMs: DAY_MS });
    expect(await held.release()).toBe(true);
    await vi.advanceTimersByTimeAsync(3 * LEASE_MS);
    expect(renew).not.toHaveBeenCalled();
    expect(await state()).toBe('claimed');
  });

  it('stops renewing a claim that is no longer its own, and then stores nothing', async () => {
    const { store, owner } = await claimed();
    const renew = vi.spyOn(store, 'renew');
    const held = holdIdempotencyClaim({ store, key: 'tenant-a:key', owner, leaseMs: LEASE_MS, ttlMs: DAY_MS });
    // A stall longer than the lease (the event loop blocked): another request takes the key over.
    await store.release({ key: 'tenant-a:key', owner });
    const other = await store.begin({ key: 'tenant-a:key', fingerprint: 'fp', leaseMs: DAY_MS });
    await vi.advanceTimersByTimeAsync(3 * LEASE_MS);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(await held.complete({ status: 200, headers: {}, body: 'stale' })).toBe(false);
    expect(await held.release()).toBe(false);
    expect(other.state === 'claimed' && (await store.complete({ key: 'tenant-a:key', owner: other.owner, response, ttlMs: DAY_MS }))).toBe(true);
  });

  it('keeps renewing after a renewal fails', async () => {
    const { store, owner, state } = await claimed();
    const renew = vi.spyOn(store, 'renew').mockRejectedValueOnce(new Error('store down'));
    holdIdempotencyClaim({ store, key: 'tenant-a:key', owner, leaseMs: LEASE_MS, ttlMs: DAY_MS });
    await vi.advanceTimersByTimeAsync(2 * LEASE_MS);
    expect(renew.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(await state()).toBe('in_progress');
  });

  it('holds a key its request never finishes no longer than the TTL', async () => {
    const { store, owner, state } = await claimed();
    holdIdempotencyClaim({ store, key: 'tenant-a:key', owner, leaseMs: LEASE_MS, ttlMs: 4 * LEASE_MS });
    await vi.advanceTimersByTimeAsync(5 * LEASE_MS);
    expect(await state()).toBe('claimed');
  });
});
