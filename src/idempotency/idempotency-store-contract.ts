/**
 * The behaviour every IdempotencyStore backend must have, as vitest cases. A backend's test file
 * calls `idempotencyStoreContract(name, setup)`; each case gets a fresh fixture.
 *
 * Time: a backend whose clock the test controls (in-process) passes `advance` and
 * `{ virtualClock: true }`, which also defines the cases that need exact instants. Every backend
 * runs the expiry case; on a real clock (Redis expires keys itself) it waits out a 200 ms TTL.
 */
import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../core/errors.js';
import type { IdempotencyStore, StoredResponse } from './idempotency-store.js';

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

  describe(`${name}: idempotency store contract`, () => {
    it('lets the first request claim a key and tells a second one it is in progress', () =>
      withFixture(async ({ store }) => {
        expect(await store.begin('tenant-a:key-1', 'fp-1', DAY_MS)).toEqual({ state: 'claimed' });
        expect(await store.begin('tenant-a:key-1', 'fp-1', DAY_MS)).toEqual({ state: 'in_progress' });
      }));

    it('replays the stored response exactly', () =>
      withFixture(async ({ store }) => {
        await store.begin('tenant-a:key-2', 'fp-1', DAY_MS);
        await store.complete('tenant-a:key-2', response, DAY_MS);
        const replay = await store.begin('tenant-a:key-2', 'fp-1', DAY_MS);
        expect(replay).toEqual({ state: 'done', response });
        // The replay is a copy: changing it does not change what is stored.
        if (replay.state === 'done') replay.response.headers['x-request-id'] = 'changed';
        expect(await store.begin('tenant-a:key-2', 'fp-1', DAY_MS)).toEqual({ state: 'done', response });
      }));

    it('reports a mismatch for another body, while in progress and when done', () =>
      withFixture(async ({ store }) => {
        await store.begin('tenant-a:key-3', 'fp-1', DAY_MS);
        expect(await store.begin('tenant-a:key-3', 'fp-2', DAY_MS)).toEqual({ state: 'mismatch' });
        await store.complete('tenant-a:key-3', response, DAY_MS);
        expect(await store.begin('tenant-a:key-3', 'fp-2', DAY_MS)).toEqual({ state: 'mismatch' });
        expect(await store.begin('tenant-a:key-3', 'fp-1', DAY_MS)).toMatchObject({ state: 'done' });
      }));

    it('lets a retry claim a released key, but release never drops a stored response', () =>
      withFixture(async ({ store }) => {
        await store.begin('tenant-a:key-4', 'fp-1', DAY_MS);
        await store.release('tenant-a:key-4');
        expect(await store.begin('tenant-a:key-4', 'fp-2', DAY_MS)).toEqual({ state: 'claimed' });
        await store.complete('tenant-a:key-4', response, DAY_MS);
        await store.release('tenant-a:key-4');
        expect(await store.begin('tenant-a:key-4', 'fp-2', DAY_MS)).toEqual({ state: 'done', response });
        await store.release('tenant-a:never-used');
      }));

    it('stores a response only for a running claim, and keeps the first', () =>
      withFixture(async ({ store }) => {
        await store.complete('tenant-a:key-5', response, DAY_MS);
        expect(await store.begin('tenant-a:key-5', 'fp-1', DAY_MS)).toEqual({ state: 'claimed' });
        await store.complete('tenant-a:key-5', response, DAY_MS);
        await store.complete('tenant-a:key-5', { status: 500, headers: {}, body: 'late' }, DAY_MS);
        expect(await store.begin('tenant-a:key-5', 'fp-1', DAY_MS)).toEqual({ state: 'done', response });
      }));

    it('keeps keys of different callers apart', () =>
      withFixture(async ({ store }) => {
        await store.begin('tenant-a:shared', 'fp-1', DAY_MS);
        await store.complete('tenant-a:shared', response, DAY_MS);
        expect(await store.begin('tenant-b:shared', 'fp-2', DAY_MS)).toEqual({ state: 'claimed' });
        expect(await store.begin('tenant-a:shared', 'fp-1', DAY_MS)).toEqual({ state: 'done', response });
      }));

    it('lets exactly one of many simultaneous requests claim a key', () =>
      withFixture(async ({ store }) => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.begin('tenant-a:race', 'fp-1', DAY_MS)));
        expect(results.filter((result) => result.state === 'claimed')).toHaveLength(1);
        expect(results.filter((result) => result.state === 'in_progress')).toHaveLength(19);
      }));

    it('forgets a claim and a stored response after their TTL', () =>
      withFixture(async ({ store, passTime }) => {
        await store.begin('tenant-a:claim-ttl', 'fp-1', 200);
        await store.begin('tenant-a:done-ttl', 'fp-1', DAY_MS);
        await store.complete('tenant-a:done-ttl', response, 200);
        await passTime(250);
        expect(await store.begin('tenant-a:claim-ttl', 'fp-2', DAY_MS)).toEqual({ state: 'claimed' });
        expect(await store.begin('tenant-a:done-ttl', 'fp-2', DAY_MS)).toEqual({ state: 'claimed' });
      }));

    it('stores nothing for a claim that expired before it completed', () =>
      withFixture(async ({ store, passTime }) => {
        await store.begin('tenant-a:slow', 'fp-1', 200);
        await passTime(250);
        await store.complete('tenant-a:slow', response, DAY_MS);
        expect(await store.begin('tenant-a:slow', 'fp-1', DAY_MS)).toEqual({ state: 'claimed' });
      }));

    it('rejects an empty key and a TTL that is not a positive whole number', () =>
      withFixture(async ({ store }) => {
        const invalid = async (call: Promise<unknown>) => {
          const error: unknown = await call.then(() => undefined, (caught: unknown) => caught);
          expect(isPalisadeError(error) && error.code === 'invalid_argument').toBe(true);
        };
        await invalid(store.begin('', 'fp-1', DAY_MS));
        await invalid(store.begin('tenant-a:bad', 'fp-1', 0));
        await invalid(store.begin('tenant-a:bad', 'fp-1', 1.5));
        await invalid(store.complete('tenant-a:bad', response, -1));
        await invalid(store.release(''));
      }));

    it('refuses to work once closed', () =>
      withFixture(async ({ store }) => {
        await store.close();
        await expect(store.begin('tenant-a:closed', 'fp-1', DAY_MS)).rejects.toMatchObject({ code: 'unavailable' });
      }));

    if (options.virtualClock !== true) return;

    it('expires exactly at the TTL, counted from the last write', () =>
      withFixture(async ({ store, passTime }) => {
        await store.begin('tenant-a:exact', 'fp-1', 1_000);
        await passTime(999);
        expect(await store.begin('tenant-a:exact', 'fp-1', 1_000)).toEqual({ state: 'in_progress' });
        await store.complete('tenant-a:exact', response, 5_000);
        await passTime(4_999);
        expect(await store.begin('tenant-a:exact', 'fp-1', 1_000)).toEqual({ state: 'done', response });
        await passTime(1);
        expect(await store.begin('tenant-a:exact', 'fp-1', 1_000)).toEqual({ state: 'claimed' });
      }));
  });
}
