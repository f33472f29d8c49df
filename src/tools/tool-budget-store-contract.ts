/**
 * The behaviour every `ToolBudgetStore` backend must have, as vitest cases. A backend's test file
 * calls `toolBudgetStoreContract(name, setup)`; each case gets a fresh fixture.
 *
 * Time: a backend whose clock the test controls (in-process) passes `advance` and
 * `{ virtualClock: true }`, which also defines the cases that need exact instants. A backend on
 * a real clock (Redis uses its server's `TIME`) waits for real over windows of a few hundred
 * milliseconds; its counting cases use a day-long window, so a window boundary cannot fall inside
 * a case except by a one-in-millions chance.
 */
import { describe, expect, it } from 'vitest';
import type { ToolBudgetResult, ToolBudgetStore } from './tool-budget-store.js';

export interface ToolBudgetStoreFixture {
  store: ToolBudgetStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: ToolBudgetStore;
  /** Moves the store's clock forward (virtual clocks only). */
  advance?: (ms: number) => Promise<void>;
  cleanup: () => Promise<void>;
}

export interface ToolBudgetStoreContractOptions {
  /** The fixture's `advance` drives the store's clock: define the cases that need exact instants. */
  virtualClock?: boolean;
}

const DAY_MS = 24 * 60 * 60_000;

export function toolBudgetStoreContract(name: string, setup: () => Promise<ToolBudgetStoreFixture>, options: ToolBudgetStoreContractOptions = {}): void {
  async function withFixture(body: (fixture: ToolBudgetStoreFixture & { passTime: (ms: number) => Promise<void> }) => Promise<void>): Promise<void> {
    const fixture = await setup();
    try {
      if (options.virtualClock === true && fixture.advance === undefined) throw new Error('a virtual-clock fixture must provide advance');
      const passTime = fixture.advance ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      await body({ ...fixture, passTime });
    } finally {
      await fixture.cleanup();
    }
  }

  describe(`${name}: tool budget store contract`, () => {
    it('counts calls up to the limit, then refuses without counting', () =>
      withFixture(async ({ store }) => {
        const take = () => store.take({ key: 'tenant:acme:tool:send_email:day', limit: 3, windowMs: DAY_MS });
        const results: ToolBudgetResult[] = [];
        for (let index = 0; index < 5; index++) results.push(await take());
        expect(results.map((result) => [result.allowed, result.count])).toEqual([
          [true, 1],
          [true, 2],
          [true, 3],
          [false, 3],
          [false, 3],
        ]);
        for (const result of results) {
          expect(result.resetMs).toBeGreaterThan(0);
          expect(result.resetMs).toBeLessThanOrEqual(DAY_MS);
        }
      }));

    it('keeps keys apart, and a zero limit refuses every call', () =>
      withFixture(async ({ store }) => {
        expect(await store.take({ key: 'a', limit: 1, windowMs: DAY_MS })).toMatchObject({ allowed: true, count: 1 });
        expect(await store.take({ key: 'a', limit: 1, windowMs: DAY_MS })).toMatchObject({ allowed: false, count: 1 });
        expect(await store.take({ key: 'b', limit: 1, windowMs: DAY_MS })).toMatchObject({ allowed: true, count: 1 });
        expect(await store.take({ key: 'a:b', limit: 1, windowMs: DAY_MS })).toMatchObject({ allowed: true, count: 1 });
        expect(await store.take({ key: 'zero', limit: 0, windowMs: DAY_MS })).toMatchObject({ allowed: false, count: 0 });
        expect(await store.take({ key: 'zero', limit: 1, windowMs: DAY_MS })).toMatchObject({ allowed: true, count: 1 });
      }));

    it('applies the limit given on each call to the count so far', () =>
      withFixture(async ({ store }) => {
        for (let index = 0; index < 4; index++) await store.take({ key: 'changing', limit: 10, windowMs: DAY_MS });
        expect(await store.take({ key: 'changing', limit: 2, windowMs: DAY_MS })).toMatchObject({ allowed: false, count: 4 });
        expect(await store.take({ key: 'changing', limit: 5, windowMs: DAY_MS })).toMatchObject({ allowed: true, count: 5 });
      }));

    it('starts a new count with another window length', () =>
      withFixture(async ({ store }) => {
        for (let index = 0; index < 2; index++) await store.take({ key: 'window-change', limit: 2, windowMs: DAY_MS });
        expect(await store.take({ key: 'window-change', limit: 2, windowMs: DAY_MS })).toMatchObject({ allowed: false });
        expect(await store.take({ key: 'window-change', limit: 2, windowMs: 7 * DAY_MS })).toMatchObject({ allowed: true, count: 1 });
      }));

    it('admits exactly the limit when replicas take at once', () =>
      withFixture(async ({ store, replica }) => {
        const results = await Promise.all(Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? store : replica).take({ key: 'raced', limit: 10, windowMs: DAY_MS })));
        const allowed = results.filter((result) => result.allowed);
        expect(allowed).toHaveLength(10);
        expect(allowed.map((result) => result.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        for (const result of results.filter((each) => !each.allowed)) expect(result.count).toBe(10);
      }));

    it('starts counting again when the window ends', () =>
      withFixture(async ({ store, passTime }) => {
        const take = () => store.take({ key: 'short', limit: 2, windowMs: 400 });
        let last = await take();
        // A window may begin between two calls: keep taking until one is refused.
        for (let attempts = 0; last.allowed && attempts < 10; attempts++) last = await take();
        expect(last).toMatchObject({ allowed: false, count: 2 });
        expect(last.resetMs).toBeLessThanOrEqual(400);
        await passTime(last.resetMs + (options.virtualClock === true ? 0 : 50));
        expect(await take()).toMatchObject({ allowed: true, count: 1 });
      }));

    it('refuses malformed requests', () =>
      withFixture(async ({ store }) => {
        const bad = [
          { key: '', limit: 1, windowMs: 1_000 },
          { key: 'k', limit: -1, windowMs: 1_000 },
          { key: 'k', limit: 1.5, windowMs: 1_000 },
          { key: 'k', limit: 1, windowMs: 0 },
          { key: 'k', limit: 1, windowMs: 400 * DAY_MS },
        ];
        for (const request of bad) await expect(store.take(request)).rejects.toMatchObject({ code: 'invalid_argument' });
      }));

    if (options.virtualClock === true) {
      it('aligns windows to the epoch and reports the exact time left', () =>
        withFixture(async ({ store, passTime }) => {
          // The fixture's clock starts on a whole minute.
          const take = () => store.take({ key: 'minute', limit: 1, windowMs: 60_000 });
          expect(await take()).toEqual({ allowed: true, count: 1, resetMs: 60_000 });
          await passTime(59_999);
          expect(await take()).toEqual({ allowed: false, count: 1, resetMs: 1 });
          await passTime(1);
          expect(await take()).toEqual({ allowed: true, count: 1, resetMs: 60_000 });
          await passTime(30_000);
          expect(await take()).toEqual({ allowed: false, count: 1, resetMs: 30_000 });
        }));
    }
  });
}
