/**
 * The behaviour every IdempotencyStore backend must have, as vitest cases. A backend's test file
 * calls `idempotencyStoreContract(name, setup)`; each case gets a fresh fixture.
 *
 * Time: a backend whose clock the test controls (in-process) passes `advance` and
 * `{ virtualClock: true }`, which also defines the cases that need exact instants. Every backend
 * runs the lease and expiry cases; on a real clock (Redis expires keys itself) they wait out
 * leases and TTLs of a few hundred milliseconds, with room for a slow machine on the side where
 * lateness could matter.
 */
import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../core/errors.js';
import type { BeginResult, IdempotencyStore, StoredResponse } from './idempotency-store.js';

export interface IdempotencyStoreFixture {
  store: IdempotencyStore;
  /** Moves the store's clock forward (virtual clocks only). */
  advance?: (ms: number) => Promise<void>;
  cleanup: () => Promise<void>;
}

export interface IdempotencyStoreContractOptions {
  /** The fixture's `advance` drives the store's clock: define the cases that need exact instants. */
  virtualClock?: boolean;
}

const DAY_MS = 24 * 60 * 60_000;

const response: StoredResponse = {
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' },
  body: 'data: {"choices":[{"delta":{"content":"Grüße ✓"}}]}\n\ndata: [DONE]\n\n',
};

export function idempotencyStoreContract(name: string, setup: () => Promise<IdempotencyStoreFixture>, options: IdempotencyStoreContractOptions = {}): void {
  async function withFixture(body: (fixture: IdempotencyStoreFixture & { passTime: (ms: number) => Promise<void> }) => Promise<void>): Promise<void> {
    const fixture = await setup();
    try {
      if (options.virtualClock === true && fixture.advance === undefined) throw new Error('a virtual-clock fixture must provide advance');
      const passTime = fixture.advance ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      await body({ ...fixture, passTime });
    } finally {
      await fixture.cleanup();
    }
  }

  /** Claims `key` (asserting it was free) and returns the owner token. */
  async function claim(store: IdempotencyStore, key: string, options: { fingerprint?: string; leaseMs?: number } = {}): Promise<string> {
    const begun = await store.begin({ key, fingerprint: options.fingerprint ?? 'fp-1', leaseMs: options.leaseMs ?? DAY_MS });
    if (begun.state !== 'claimed') throw new Error(`expected to claim ${key}, got ${begun.state}`);
    expect(begun.owner).toEqual(expect.any(String));
    return begun.owner;
  }

  const begin = (store: IdempotencyStore, key: string, fingerprint = 'fp-1'): Promise<BeginResult> => store.begin({ key, fingerprint, leaseMs: DAY_MS });

  describe(`${name}: idempotency store contract`, () => {
    it('lets the first request claim a key and tells a second one it is in progress', () =>
      withFixture(async ({ store }) => {
        expect(await begin(store, 'tenant-a:key-1')).toEqual({ state: 'claimed', owner: expect.any(String) });
        expect(await begin(store, 'tenant-a:key-1')).toEqual({ state: 'in_progress' });
      }));

    it('replays the stored response exactly', () =>
      withFixture(async ({ store }) => {
        const owner = await claim(store, 'tenant-a:key-2');
        expect(await store.complete({ key: 'tenant-a:key-2', owner, response, ttlMs: DAY_MS })).toBe(true);
        const replay = await begin(store, 'tenant-a:key-2');
        expect(replay).toEqual({ state: 'done', response });
        // The replay is a copy: changing it does not change what is stored.
        if (replay.state === 'done') replay.response.headers['x-request-id'] = 'changed';
        expect(await begin(store, 'tenant-a:key-2')).toEqual({ state: 'done', response });
      }));

    it('reports a mismatch for another body, while in progress and when done', () =>
      withFixture(async ({ store }) => {
        const owner = await claim(store, 'tenant-a:key-3');
        expect(await begin(store, 'tenant-a:key-3', 'fp-2')).toEqual({ state: 'mismatch' });
        await store.complete({ key: 'tenant-a:key-3', owner, response, ttlMs: DAY_MS });
        expect(await begin(store, 'tenant-a:key-3', 'fp-2')).toEqual({ state: 'mismatch' });
        expect(await begin(store, 'tenant-a:key-3')).toMatchObject({ state: 'done' });
      }));

    it('lets a retry claim a released key, but release never drops a stored response', () =>
      withFixture(async ({ store }) => {
        const first = await claim(store, 'tenant-a:key-4');
        expect(await store.release({ key: 'tenant-a:key-4', owner: first })).toBe(true);
        const second = await claim(store, 'tenant-a:key-4', { fingerprint: 'fp-2' });
        expect(second).not.toBe(first);
        await store.complete({ key: 'tenant-a:key-4', owner: second, response, ttlMs: DAY_MS });
        expect(await store.release({ key: 'tenant-a:key-4', owner: second })).toBe(false);
        expect(await begin(store, 'tenant-a:key-4', 'fp-2')).toEqual({ state: 'done', response });
        expect(await store.release({ key: 'tenant-a:never-used', owner: first })).toBe(false);
      }));

    it('stores a response only for its owner’s running claim, and keeps the first', () =>
      withFixture(async ({ store }) => {
        expect(await store.complete({ key: 'tenant-a:key-5', owner: 'nobody', response, ttlMs: DAY_MS })).toBe(false);
        const owner = await claim(store, 'tenant-a:key-5');
        expect(await store.complete({ key: 'tenant-a:key-5', owner: 'someone-else', response, ttlMs: DAY_MS })).toBe(false);
        expect(await begin(store, 'tenant-a:key-5')).toEqual({ state: 'in_progress' });
        expect(await store.complete({ key: 'tenant-a:key-5', owner, response, ttlMs: DAY_MS })).toBe(true);
        expect(await store.complete({ key: 'tenant-a:key-5', owner, response: { status: 500, headers: {}, body: 'late' }, ttlMs: DAY_MS })).toBe(false);
        expect(await begin(store, 'tenant-a:key-5')).toEqual({ state: 'done', response });
      }));

    it('keeps keys of different callers apart', () =>
      withFixture(async ({ store }) => {
        const owner = await claim(store, 'tenant-a:shared');
        await store.complete({ key: 'tenant-a:shared', owner, response, ttlMs: DAY_MS });
        expect(await begin(store, 'tenant-b:shared', 'fp-2')).toEqual({ state: 'claimed', owner: expect.any(String) });
        expect(await begin(store, 'tenant-a:shared')).toEqual({ state: 'done', response });
      }));

    it('lets exactly one of many simultaneous requests claim a key', () =>
      withFixture(async ({ store }) => {
        const results = await Promise.all(Array.from({ length: 20 }, () => begin(store, 'tenant-a:race')));
        expect(results.filter((result) => result.state === 'claimed')).toHaveLength(1);
        expect(results.filter((result) => result.state === 'in_progress')).toHaveLength(19);
      }));

    it('frees a claim when its lease runs out, and forgets a stored response after its TTL', () =>
      withFixture(async ({ store, passTime }) => {
        const first = await claim(store, 'tenant-a:claim-lease', { leaseMs: 200 });
        const owner = await claim(store, 'tenant-a:done-ttl');
        await store.complete({ key: 'tenant-a:done-ttl', owner, response, ttlMs: 200 });
        await passTime(250);
        // A retry after the request holding the key died: a new claim, with a new owner.
        expect(await claim(store, 'tenant-a:claim-lease', { fingerprint: 'fp-2' })).not.toBe(first);
        expect(await begin(store, 'tenant-a:done-ttl', 'fp-2')).toEqual({ state: 'claimed', owner: expect.any(String) });
      }));

    it('stores nothing for a claim whose lease ran out before it completed', () =>
      withFixture(async ({ store, passTime }) => {
        const owner = await claim(store, 'tenant-a:slow', { leaseMs: 200 });
        await passTime(250);
        expect(await store.complete({ key: 'tenant-a:slow', owner, response, ttlMs: DAY_MS })).toBe(false);
        expect(await begin(store, 'tenant-a:slow')).toEqual({ state: 'claimed', owner: expect.any(String) });
      }));

    it('renews only its owner’s running claim, each renewal a lease from now', () =>
      withFixture(async ({ store, passTime }) => {
        const owner = await claim(store, 'tenant-a:renewed', { leaseMs: 600 });
        await passTime(300);
        expect(await store.renew({ key: 'tenant-a:renewed', owner: 'someone-else', leaseMs: 600 })).toBe(false);
        expect(await store.renew({ key: 'tenant-a:renewed', owner, leaseMs: 600 })).toBe(true);
        // Past the first lease, within the renewed one.
        await passTime(400);
        expect(await begin(store, 'tenant-a:renewed')).toEqual({ state: 'in_progress' });
        await passTime(600);
        // Not renewed again: the key is free, and a renewal does not bring the claim back.
        expect(await store.renew({ key: 'tenant-a:renewed', owner, leaseMs: 600 })).toBe(false);
        expect(await claim(store, 'tenant-a:renewed')).not.toBe(owner);
        expect(await store.renew({ key: 'tenant-a:never-used', owner, leaseMs: 600 })).toBe(false);
        expect(await begin(store, 'tenant-a:never-used')).toMatchObject({ state: 'claimed' });
      }));

    it('lets a request whose lease ran out neither release, complete nor renew the claim that took its key over', () =>
      withFixture(async ({ store, passTime }) => {
        const late = await claim(store, 'tenant-a:taken-over', { leaseMs: 200 });
        await passTime(250);
        const current = await claim(store, 'tenant-a:taken-over');
        expect(await store.release({ key: 'tenant-a:taken-over', owner: late })).toBe(false);
        expect(await store.complete({ key: 'tenant-a:taken-over', owner: late, response: { status: 200, headers: {}, body: 'stale' }, ttlMs: DAY_MS })).toBe(false);
        expect(await store.renew({ key: 'tenant-a:taken-over', owner: late, leaseMs: 200 })).toBe(false);
        expect(await begin(store, 'tenant-a:taken-over')).toEqual({ state: 'in_progress' });
        expect(await store.complete({ key: 'tenant-a:taken-over', owner: current, response, ttlMs: DAY_MS })).toBe(true);
        // Nobody renews, releases or replaces a stored response, not even its owner: it keeps its TTL.
        expect(await store.renew({ key: 'tenant-a:taken-over', owner: current, leaseMs: 200 })).toBe(false);
        expect(await store.release({ key: 'tenant-a:taken-over', owner: late })).toBe(false);
        await passTime(250);
        expect(await begin(store, 'tenant-a:taken-over')).toEqual({ state: 'done', response });
      }));

    it('rejects an empty key or owner and a TTL or lease that is not a positive whole number', () =>
      withFixture(async ({ store }) => {
        const invalid = async (call: Promise<unknown>) => {
          const error: unknown = await call.then(() => undefined, (caught: unknown) => caught);
          expect(isPalisadeError(error) && error.code === 'invalid_argument').toBe(true);
        };
        await invalid(store.begin({ key: '', fingerprint: 'fp-1', leaseMs: DAY_MS }));
        await invalid(store.begin({ key: 'tenant-a:bad', fingerprint: 'fp-1', leaseMs: 0 }));
        await invalid(store.begin({ key: 'tenant-a:bad', fingerprint: 'fp-1', leaseMs: 1.5 }));
        await invalid(store.renew({ key: 'tenant-a:bad', owner: 'owner', leaseMs: -1 }));
        await invalid(store.renew({ key: 'tenant-a:bad', owner: '', leaseMs: DAY_MS }));
        await invalid(store.complete({ key: 'tenant-a:bad', owner: 'owner', response, ttlMs: -1 }));
        await invalid(store.release({ key: '', owner: 'owner' }));
        await invalid(store.release({ key: 'tenant-a:bad', owner: '' }));
      }));

    it('refuses to work once closed', () =>
      withFixture(async ({ store }) => {
        await store.close();
        await expect(begin(store, 'tenant-a:closed')).rejects.toMatchObject({ code: 'unavailable' });
        await expect(store.renew({ key: 'tenant-a:closed', owner: 'owner', leaseMs: DAY_MS })).rejects.toMatchObject({ code: 'unavailable' });
      }));

    if (options.virtualClock !== true) return;

    it('expires exactly at the lease, then at the TTL, each counted from the last write', () =>
      withFixture(async ({ store, passTime }) => {
        const owner = await claim(store, 'tenant-a:exact', { leaseMs: 1_000 });
        await passTime(999);
        expect(await begin(store, 'tenant-a:exact')).toEqual({ state: 'in_progress' });
        await store.renew({ key: 'tenant-a:exact', owner, leaseMs: 1_000 });
        await passTime(999);
        expect(await begin(store, 'tenant-a:exact')).toEqual({ state: 'in_progress' });
        await store.complete({ key: 'tenant-a:exact', owner, response, ttlMs: 5_000 });
        await passTime(4_999);
        expect(await begin(store, 'tenant-a:exact')).toEqual({ state: 'done', response });
        await passTime(1);
        expect(await begin(store, 'tenant-a:exact')).toMatchObject({ state: 'claimed' });
      }));

    it('frees a claim exactly when its lease runs out', () =>
      withFixture(async ({ store, passTime }) => {
        await claim(store, 'tenant-a:lease', { leaseMs: 1_000 });
        await passTime(1_000);
        expect(await begin(store, 'tenant-a:lease')).toMatchObject({ state: 'claimed' });
      }));
  });
}
