/**
 * The behaviour every `AbuseOverrideStore` backend must have, run by each backend's test file.
 * The backends share one database per test file, so every test works with subjects of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbuseSubject } from './abuse-score-store.js';
import type { AbuseOverride, AbuseOverrideStore } from './abuse-override-store.js';

export interface AbuseOverrideStoreHarness {
  store: AbuseOverrideStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: AbuseOverrideStore;
  close(): Promise<void>;
}

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);
const minute = 60_000;

let counter = 0;
function subject(kind: AbuseSubject['kind'] = 'key'): AbuseSubject {
  counter += 1;
  return { kind, id: `o${counter}-${Math.random().toString(36).slice(2, 8)}` };
}

function override(overrides: Partial<AbuseOverride> = {}): AbuseOverride {
  return { subject: subject(), state: 'suspended', reason: 'credential stuffing from this key', by: 'admin001', at: start, ...overrides };
}

export function abuseOverrideStoreContract(backend: string, open: () => Promise<AbuseOverrideStoreHarness>): void {
  describe(`AbuseOverrideStore contract: ${backend}`, () => {
    let harness: AbuseOverrideStoreHarness;
    let store: AbuseOverrideStore;
    let replica: AbuseOverrideStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('stores an override and reads it back exactly, on every replica', async () => {
      const timed = override({ state: 'throttled', until: at(30 * minute), subject: subject('user') });
      const open = override({ state: 'normal', subject: { kind: 'tenant', id: `t-${Math.random().toString(36).slice(2)} é/{x}` } });
      await store.set(timed);
      await store.set(open);
      expect(await replica.get(timed.subject, { now: at(minute) })).toEqual(timed);
      const read = await replica.get(open.subject, { now: at(365 * 24 * 60 * minute) });
      expect(read).toEqual(open);
      expect(read).not.toHaveProperty('until');
      expect(await store.get(subject(), { now: start })).toBeUndefined();
      // Same id, other kind: another subject.
      expect(await store.get({ kind: 'key', id: timed.subject.id }, { now: start })).toBeUndefined();
    });

    it('replaces a subject’s override, and clears it', async () => {
      const first = override();
      await store.set(first);
      const second = { ...first, state: 'normal' as const, reason: 'false positive, checked the logs', by: 'admin002', at: at(minute), until: at(60 * minute) };
      await replica.set(second);
      expect(await store.get(first.subject, { now: at(2 * minute) })).toEqual(second);
      expect(await store.clear(first.subject)).toEqual(second);
      expect(await replica.get(first.subject, { now: at(2 * minute) })).toBeUndefined();
      expect(await store.clear(first.subject)).toBeUndefined();
    });

    it('reads an override as absent from its until on', async () => {
      const timed = override({ until: at(10 * minute) });
      await store.set(timed);
      expect(await store.get(timed.subject, { now: at(10 * minute - 1) })).toEqual(timed);
      expect(await replica.get(timed.subject, { now: at(10 * minute) })).toBeUndefined();
      // Nothing was removed: an expired override is still what clear returns.
      expect(await store.clear(timed.subject)).toEqual(timed);
    });

    it('lists the overrides in force, newest first', async () => {
      // Later than every other test's overrides, so these come first.
      const base = new Date('2031-01-01T00:00:00.000Z');
      const later = (ms: number): Date => new Date(base.getTime() + ms);
      const expired = override({ at: later(0), until: later(minute) });
      const old = override({ at: later(1_000) });
      const tiedA = override({ at: later(2_000), subject: { kind: 'key', id: `tie-a-${counter}` } });
      const tiedB = override({ at: later(2_000), subject: { kind: 'key', id: `tie-b-${counter}` } });
      const newest = override({ at: later(3_000), until: later(60 * minute) });
      for (const each of [expired, old, tiedA, tiedB, newest]) await store.set(each);
      const listed = await replica.listActive({ now: later(2 * minute), limit: 4 });
      expect(listed).toEqual([newest, tiedB, tiedA, old]);
      expect(await replica.listActive({ now: later(2 * minute), limit: 2 })).toEqual([newest, tiedB]);
      const all = await store.listActive({ now: later(2 * minute) });
      expect(all.map((each) => each.subject)).not.toContainEqual(expired.subject);
      expect(all.map((each) => each.subject)).toContainEqual(old.subject);
    });

    it('refuses malformed overrides and options before storing anything', async () => {
      const who = subject();
      const bad: Partial<AbuseOverride>[] = [
        { subject: { kind: 'robot' as 'key', id: 'x' } },
        { subject: { kind: 'key', id: '' } },
        { state: 'banned' as 'suspended' },
        { reason: '' },
        { by: '' },
        { until: start },
        { at: new Date(Number.NaN) },
      ];
      for (const each of bad) await expect(store.set(override({ subject: who, ...each }))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await store.get(who, { now: start })).toBeUndefined();
      for (const limit of [0, 10_001, 1.5]) await expect(store.listActive({ now: start, limit })).rejects.toMatchObject({ code: 'invalid_argument', message: /limit/ });
    });

    it('hands out copies: changing a result does not change the store', async () => {
      const held = override({ until: at(60 * minute) });
      await store.set(held);
      const read = await store.get(held.subject, { now: start });
      if (read === undefined) throw new Error('override missing');
      read.until?.setTime(0);
      read.subject.id = 'changed';
      expect(await store.get(held.subject, { now: start })).toEqual(held);
    });
  });
}
