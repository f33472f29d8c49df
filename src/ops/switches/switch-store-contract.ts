/**
 * The behaviour every `SwitchStore` backend must have, run by each backend's test file. The
 * backends share one database per test file, so every test flips switches with ids of its own and
 * compares versions relative to the ones it saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchStateAt, type SwitchFlip, type SwitchRecord, type SwitchStore } from './switch-store.js';

export interface SwitchStoreHarness {
  store: SwitchStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: SwitchStore;
  close(): Promise<void>;
}

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);
const minute = 60_000;

let idCounter = 0;
function newId(prefix = 'sw'): string {
  idCounter += 1;
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}-${idCounter}`;
}

function flip(overrides: Partial<SwitchFlip> = {}): SwitchFlip {
  return { scope: 'route', id: newId('route'), state: 'off', reason: 'upstream returns garbage', actor: 'key00001', at: start, ...overrides };
}

export function switchStoreContract(backend: string, open: () => Promise<SwitchStoreHarness>): void {
  describe(`SwitchStore contract: ${backend}`, () => {
    let harness: SwitchStoreHarness;
    let store: SwitchStore;
    let replica: SwitchStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('records a flip and reads it back exactly, on every replica', async () => {
      const before = (await store.list()).version;
      const full = flip({ scope: 'tenant', state: 'degrade', degrade: { tools: 'disabled', policy: 'strict-v3' }, expiresAt: at(30 * minute), incidentId: 'INC-42' });
      const result = await store.set(full);
      const expected: SwitchRecord = { ...full, version: before + 1 };
      expect(result).toEqual({ version: before + 1, previousState: 'on', current: expected });
      expect(result).not.toHaveProperty('previous');
      expect(await replica.get('tenant', full.id)).toEqual(expected);

      const bare = flip({ scope: 'model' });
      const second = await replica.set(bare);
      expect(second.version).toBe(before + 2);
      const read = await store.get('model', bare.id);
      expect(read).toEqual({ ...bare, version: before + 2 });
      for (const absent of ['degrade', 'expiresAt', 'incidentId']) expect(read).not.toHaveProperty(absent);
      expect(await store.get('model', newId())).toBeUndefined();
      // The same id in another scope is another switch.
      expect(await store.get('route', bare.id)).toBeUndefined();
    });

    it('keeps one global switch, with the id *', async () => {
      const first = await store.set(flip({ scope: 'global', id: '*', state: 'degrade', degrade: { policy: 'lockdown' } }));
      const back = await replica.set(flip({ scope: 'global', id: '*', state: 'on', at: at(minute) }));
      expect(back.previous).toEqual(first.current);
      expect(back.previousState).toBe('degrade');
      expect(await store.get('global', '*')).toEqual(back.current);
    });

    it('refuses malformed flips and options before storing anything', async () => {
      const version = (await store.list()).version;
      const bad: Partial<SwitchFlip>[] = [
        { scope: 'planet' as 'route' },
        { id: '' },
        { id: 'x'.repeat(257) },
        { scope: 'global', id: 'all' },
        { scope: 'route', id: '*' },
        { state: 'paused' as 'off' },
        { reason: '' },
        { reason: 'x'.repeat(501) },
        { actor: '' },
        { at: new Date(Number.NaN) },
        { state: 'degrade' },
        { state: 'degrade', degrade: {} },
        { state: 'degrade', degrade: { tools: 'enabled' as 'disabled' } },
        { state: 'degrade', degrade: { policy: '' } },
        { state: 'off', degrade: { tools: 'disabled' } },
        { state: 'on', expiresAt: at(minute) },
        { expiresAt: start },
        { expiresAt: new Date(Number.NaN) },
        { incidentId: '' },
      ];
      for (const overrides of bad) await expect(store.set(flip(overrides))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect((await replica.list()).version).toBe(version);
      // 500 characters is allowed: the bound is inclusive.
      expect((await store.set(flip({ reason: 'r'.repeat(500) }))).current.reason).toHaveLength(500);

      await expect(store.get('planet' as 'route', 'x')).rejects.toMatchObject({ code: 'invalid_argument' });
      for (const limit of [0, 1_001, 1.5]) await expect(store.history({ limit })).rejects.toMatchObject({ code: 'invalid_argument', message: /limit/ });
      await expect(store.history({ limit: 1, id: 'x' })).rejects.toMatchObject({ code: 'invalid_argument', message: /scope/ });
      await expect(store.history({ limit: 1, before: -1 })).rejects.toMatchObject({ code: 'invalid_argument' });
      for (const since of [-1, 1.5, Number.NaN]) await expect(store.listSince(since)).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('records flipping back on, and keeps every flip in the history, newest first', async () => {
      const id = newId('tool');
      const off = await store.set(flip({ scope: 'tool', id, state: 'off', reason: 'exfiltration attempt', actor: 'cli', incidentId: 'INC-7' }));
      const degraded = await replica.set(flip({ scope: 'tool', id, state: 'degrade', degrade: { policy: 'strict' }, reason: 'partly fixed', at: at(minute) }));
      expect(degraded.previousState).toBe('off');
      expect(degraded.previous).toEqual(off.current);
      const on = await store.set(flip({ scope: 'tool', id, state: 'on', reason: 'fixed upstream', at: at(2 * minute) }));
      expect(on.previousState).toBe('degrade');
      expect(on.current.state).toBe('on');
      expect(await replica.get('tool', id)).toEqual(on.current);
      // Unrelated flips in between must not show in this switch's history.
      await store.set(flip({ scope: 'tool' }));

      expect(await replica.history({ scope: 'tool', id, limit: 10 })).toEqual([on.current, degraded.current, off.current]);
      expect(await replica.history({ scope: 'tool', id, limit: 2 })).toEqual([on.current, degraded.current]);
      expect(await replica.history({ scope: 'tool', id, limit: 2, before: degraded.version })).toEqual([off.current]);
      expect(await replica.history({ scope: 'tool', id, limit: 2, before: off.version })).toEqual([]);

      const all = await store.history({ limit: 1_000 });
      const versions = all.map((record) => record.version);
      expect(versions).toEqual([...versions].sort((a, b) => b - a));
      expect(all).toContainEqual(degraded.current);
      const tools = await store.history({ scope: 'tool', limit: 1_000 });
      expect(tools.every((record) => record.scope === 'tool')).toBe(true);
      expect(tools.map((record) => record.version)).toEqual(expect.arrayContaining([off.version, degraded.version, on.version]));
    });

    it('reads an expired flip as on, without rewriting it, and answers previousState as of the new flip', async () => {
      const id = newId('key');
      const off = await store.set(flip({ scope: 'key', id, expiresAt: at(10 * minute) }));
      const stored = await replica.get('key', id);
      expect(stored).toEqual(off.current);
      if (stored === undefined) throw new Error('switch missing');
      expect(switchStateAt(stored, at(10 * minute - 1))).toBe('off');
      expect(switchStateAt(stored, at(10 * minute))).toBe('on');
      expect(switchStateAt(stored, at(10 * minute).getTime())).toBe('on');

      // Flipped again before the expiry: it was off.
      const again = await replica.set(flip({ scope: 'key', id, at: at(5 * minute), expiresAt: at(10 * minute) }));
      expect(again.previousState).toBe('off');
      // Flipped after the expiry: it was on, though the record said off.
      const later = await store.set(flip({ scope: 'key', id, state: 'degrade', degrade: { tools: 'disabled' }, at: at(10 * minute) }));
      expect(later.previousState).toBe('on');
      expect(later.previous).toEqual(again.current);
      expect(later.previous?.state).toBe('off');
    });

    it('lists every switch with the set’s version, and only the changes since a version', async () => {
      const base = await store.list();
      const [a, b, c] = [newId('route'), newId('route'), newId('route')];
      const first = await store.set(flip({ id: a }));
      const second = await replica.set(flip({ id: b, state: 'degrade', degrade: { tools: 'disabled' } }));
      const third = await store.set(flip({ id: c }));
      const back = await replica.set(flip({ id: a, state: 'on', at: at(minute) }));

      const all = await replica.list();
      expect(all.version).toBe(back.version);
      expect(all.version).toBe(base.version + 4);
      const mine = all.switches.filter((record) => [a, b, c].includes(record.id));
      // One record per switch, its last flip (a flipped back on is still listed), by version ascending.
      expect(mine).toEqual([second.current, third.current, back.current]);
      expect(all.switches.map((record) => record.version)).toEqual([...all.switches.map((record) => record.version)].sort((x, y) => x - y));
      expect(all.switches.length).toBe(base.switches.filter((record) => ![a, b, c].includes(record.id)).length + 3);

      expect(await store.listSince(first.version)).toEqual({ version: back.version, switches: [second.current, third.current, back.current] });
      expect(await store.listSince(third.version)).toEqual({ version: back.version, switches: [back.current] });
      expect(await replica.listSince(back.version)).toEqual({ version: back.version, switches: [] });
      // A version from the future (another database, a restore) gives nothing new, and says where the set is.
      expect(await replica.listSince(back.version + 100)).toEqual({ version: back.version, switches: [] });
    });

    it('gives flips made at once distinct, consecutive versions, and each exactly one predecessor', async () => {
      const id = newId('tenant');
      const base = (await store.list()).version;
      const flips = Array.from({ length: 12 }, (_, index) =>
        flip(index % 3 === 2 ? { scope: 'tenant', id, state: 'degrade', degrade: { tools: 'disabled' } } : { scope: 'tenant', id, state: index % 3 === 0 ? 'off' : 'on', reason: `flip ${index}` }),
      );
      const results = await Promise.all(flips.map((each, index) => (index % 2 === 0 ? store : replica).set(each)));
      const versions = results.map((result) => result.version).sort((x, y) => x - y);
      expect(versions).toEqual(Array.from({ length: 12 }, (_, index) => base + index + 1));

      // Atomic read-and-write: ordered by version, each flip's previous is the one just before it.
      const ordered = [...results].sort((x, y) => x.version - y.version);
      expect(ordered[0]?.previous).toBeUndefined();
      for (let index = 1; index < ordered.length; index += 1) {
        expect(ordered[index]?.previous).toEqual(ordered[index - 1]?.current);
        expect(ordered[index]?.previousState).toBe(ordered[index - 1]?.current.state);
      }
      expect(await store.get('tenant', id)).toEqual(ordered.at(-1)?.current);
      expect(await replica.history({ scope: 'tenant', id, limit: 100 })).toEqual(ordered.map((result) => result.current).reverse());
    });

    it('hands out copies: changing a result does not change the store', async () => {
      const made = await store.set(flip({ state: 'degrade', degrade: { tools: 'disabled' }, expiresAt: at(minute) }));
      made.current.at.setTime(0);
      made.current.degrade = { policy: 'changed' };
      const read = await store.get('route', made.current.id);
      if (read === undefined) throw new Error('switch missing');
      read.expiresAt?.setTime(0);
      read.reason = 'changed';
      expect(await store.get('route', made.current.id)).toEqual({ ...flip({ id: made.current.id, state: 'degrade', degrade: { tools: 'disabled' }, expiresAt: at(minute) }), version: made.version });
    });
  });
}
