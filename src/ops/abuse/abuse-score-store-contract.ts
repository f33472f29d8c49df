/**
 * The behaviour every `AbuseScoreStore` backend must have, as vitest cases. A backend's test file
 * calls `abuseScoreStoreContract(name, setup)`; each case gets a fresh fixture.
 *
 * Time: a backend whose clock the test controls (in-process) passes `advance` and
 * `{ virtualClock: true }`, which also defines the cases that need exact instants. A backend on a
 * real clock (Redis uses its server's `TIME`) waits for real, over windows and states of a few
 * hundred milliseconds, and its bounds allow for the time the calls themselves take.
 */
import { describe, expect, it } from 'vitest';
import { escalationPolicy, type AbuseScoreStore, type AbuseSubject, type EscalationPolicy } from './abuse-score-store.js';

export interface AbuseScoreStoreFixture {
  store: AbuseScoreStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: AbuseScoreStore;
  /** Moves the store's clock forward (virtual clocks only). */
  advance?: (ms: number) => Promise<void>;
  cleanup: () => Promise<void>;
}

export interface AbuseScoreStoreContractOptions {
  virtualClock?: boolean;
}

const HOUR_MS = 60 * 60_000;
/** Long enough that nothing leaves the window or expires within a case on a real clock. */
const slow: EscalationPolicy = escalationPolicy({ windowMs: HOUR_MS, throttleAt: 10, suspendAt: 30, throttleForMs: HOUR_MS, suspendForMs: 2 * HOUR_MS });

let counter = 0;
function subject(kind: AbuseSubject['kind'] = 'key'): AbuseSubject {
  counter += 1;
  return { kind, id: `s${counter}-${Math.random().toString(36).slice(2, 8)}` };
}

export function abuseScoreStoreContract(name: string, setup: () => Promise<AbuseScoreStoreFixture>, options: AbuseScoreStoreContractOptions = {}): void {
  const virtual = options.virtualClock === true;
  async function withFixture(body: (fixture: AbuseScoreStoreFixture & { passTime: (ms: number) => Promise<void> }) => Promise<void>): Promise<void> {
    const fixture = await setup();
    try {
      if (virtual && fixture.advance === undefined) throw new Error('a virtual-clock fixture must provide advance');
      const passTime = fixture.advance ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      await body({ ...fixture, passTime });
    } finally {
      await fixture.cleanup();
    }
  }

  describe(`${name}: abuse score store contract`, () => {
    it('sums weights and climbs the ladder: normal, throttled, suspended', () =>
      withFixture(async ({ store, replica }) => {
        const who = subject();
        const first = await store.record({ subject: who, weight: 3, policy: slow });
        expect(first).toMatchObject({ score: 3, previous: { state: 'normal' }, current: { state: 'normal' } });
        expect(first.current.until).toBeUndefined();
        const throttled = await replica.record({ subject: who, weight: 7, policy: slow });
        expect(throttled).toMatchObject({ score: 10, previous: { state: 'normal' }, current: { state: 'throttled' } });
        expect(throttled.current.until?.getTime()).toBe(throttled.at.getTime() + HOUR_MS);
        const suspended = await store.record({ subject: who, weight: 20, policy: slow });
        expect(suspended).toMatchObject({ score: 30, previous: { state: 'throttled', until: throttled.current.until }, current: { state: 'suspended' } });
        expect(suspended.current.until?.getTime()).toBe(suspended.at.getTime() + 2 * HOUR_MS);
        expect(await replica.read([who])).toEqual([suspended.current]);
      }));

    it('extends a state on its own rung, and never lowers or shortens one', () =>
      withFixture(async ({ store, passTime }) => {
        const who = subject();
        const policy = escalationPolicy({ ...slow, throttleAt: 2, suspendAt: 100 });
        const first = await store.record({ subject: who, weight: 2, policy });
        expect(first.current.state).toBe('throttled');
        await passTime(20);
        const again = await store.record({ subject: who, weight: 1, policy });
        expect(again.previous).toEqual(first.current);
        expect(again.current.state).toBe('throttled');
        expect(again.current.until?.getTime()).toBeGreaterThan(first.current.until?.getTime() ?? Infinity);

        // Suspended for a short while, then a throttling score: the suspension stays as it is.
        const other = subject();
        const short = escalationPolicy({ ...slow, throttleAt: 1, suspendAt: 5, suspendForMs: 60_000, throttleForMs: HOUR_MS });
        const suspended = await store.record({ subject: other, weight: 5, policy: short });
        expect(suspended.current.state).toBe('suspended');
        const lower = await store.record({ subject: other, weight: 1, policy: { ...short, suspendAt: 1_000 } });
        expect(lower.current).toEqual(suspended.current);
      }));

    it('keeps subjects apart, by kind and by id', () =>
      withFixture(async ({ store }) => {
        const key = subject('key');
        const tenant: AbuseSubject = { kind: 'tenant', id: key.id };
        const tricky: AbuseSubject = { kind: 'key', id: `${key.id}:x` };
        await store.record({ subject: key, weight: 30, policy: slow });
        expect((await store.record({ subject: tenant, weight: 1, policy: slow })).score).toBe(1);
        expect((await store.record({ subject: tricky, weight: 1, policy: slow })).score).toBe(1);
        const states = await store.read([tenant, key, { kind: 'user', id: key.id }]);
        expect(states.map((state) => state.state)).toEqual(['normal', 'suspended', 'normal']);
        expect(await store.read([])).toEqual([]);
      }));

    it('counts every violation once when replicas record at once, and one of them sees the change', () =>
      withFixture(async ({ store, replica }) => {
        const who = subject();
        const results = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? store : replica).record({ subject: who, weight: 1, policy: slow })));
        expect(results.map((result) => result.score).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
        const changes = results.filter((result) => result.previous.state !== result.current.state);
        expect(changes).toHaveLength(1);
        expect(changes[0]).toMatchObject({ score: 10, previous: { state: 'normal' }, current: { state: 'throttled' } });
      }));

    it('forgets violations that leave the window, and states once they expire', () =>
      withFixture(async ({ store, passTime }) => {
        const who = subject();
        const policy = escalationPolicy({ windowMs: 300, throttleAt: 3, suspendAt: 100, throttleForMs: 600, suspendForMs: 600 });
        const first = await store.record({ subject: who, weight: 2, policy });
        expect(first.current.state).toBe('normal');
        await passTime(virtual ? 300 : 350);
        // The first violation has left the window: 2 is below the threshold again.
        const second = await store.record({ subject: who, weight: 2, policy });
        expect(second.score).toBe(2);
        const third = await store.record({ subject: who, weight: 1, policy });
        expect(third.current.state).toBe('throttled');
        const until = third.current.until?.getTime() ?? 0;
        expect(until - third.at.getTime()).toBe(600);
        await passTime(virtual ? 599 : 300);
        expect((await store.read([who]))[0]?.state).toBe('throttled');
        await passTime(virtual ? 1 : 350);
        expect(await store.read([who])).toEqual([{ state: 'normal' }]);
        // The window is empty by now too: one violation starts from scratch.
        expect(await store.record({ subject: who, weight: 1, policy })).toMatchObject({ score: 1, previous: { state: 'normal' }, current: { state: 'normal' } });
      }));

    it('resets a subject on request', () =>
      withFixture(async ({ store, replica }) => {
        const who = subject('user');
        await store.record({ subject: who, weight: 30, policy: slow });
        await replica.reset(who);
        expect(await store.read([who])).toEqual([{ state: 'normal' }]);
        expect((await store.record({ subject: who, weight: 1, policy: slow })).score).toBe(1);
      }));

    it('refuses malformed requests', () =>
      withFixture(async ({ store }) => {
        const who = subject();
        const bad = [
          { subject: who, weight: 0, policy: slow },
          { subject: who, weight: 1.5, policy: slow },
          { subject: { kind: 'robot' as 'key', id: 'x' }, weight: 1, policy: slow },
          { subject: { kind: 'key' as const, id: '' }, weight: 1, policy: slow },
          { subject: who, weight: 1, policy: { ...slow, suspendAt: 5, throttleAt: 6 } },
          { subject: who, weight: 1, policy: { ...slow, windowMs: 0 } },
        ];
        for (const request of bad) await expect(store.record(request)).rejects.toMatchObject({ code: 'invalid_argument' });
        await expect(store.read([{ kind: 'key', id: '' }])).rejects.toMatchObject({ code: 'invalid_argument' });
      }));

    if (virtual) {
      it('counts a violation until exactly windowMs has passed, and ends a state exactly at until', () =>
        withFixture(async ({ store, passTime }) => {
          const who = subject();
          const policy = escalationPolicy({ windowMs: 60_000, throttleAt: 2, suspendAt: 3, throttleForMs: 1_000, suspendForMs: 5_000 });
          await store.record({ subject: who, weight: 1, policy });
          await passTime(59_999);
          const throttled = await store.record({ subject: who, weight: 1, policy });
          expect(throttled).toMatchObject({ score: 2, current: { state: 'throttled' } });
          await passTime(1);
          // The first violation left at exactly 60 s: 1 + 1, not 3, so no suspension.
          expect(await store.record({ subject: who, weight: 1, policy })).toMatchObject({ score: 2, current: { state: 'throttled' } });
          // Extended from the latest violation: until 61 s. Throttled to the last millisecond before it.
          expect((await store.read([who]))[0]?.until?.getTime()).toBe(throttled.at.getTime() + 1 + 1_000);
          await passTime(999);
          expect((await store.read([who]))[0]?.state).toBe('throttled');
          await passTime(1);
          expect(await store.read([who])).toEqual([{ state: 'normal' }]);
        }));
    }
  });
}
