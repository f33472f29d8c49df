import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInProcessSwitchNotifier } from './in-process-switch-notifier.js';
import { createMemorySwitchStore } from './memory-switch-store.js';
import { createNotifyingSwitchStore } from './notifying-switch-store.js';
import { createSwitchBoard, type SwitchBoard, type SwitchBoardOptions } from './switch-board.js';
import type { SwitchFlip, SwitchStore } from './switch-store.js';
import { switchedOffError } from './switched-off-error.js';

/** A memory store that counts reads and can be made to fail, as a store that went down. */
function watchedStore(): { store: SwitchStore; reads: { list: number; listSince: number }; fail: { now: boolean } } {
  const inner = createMemorySwitchStore();
  const reads = { list: 0, listSince: 0 };
  const fail = { now: false };
  const down = (): never => {
    throw new Error('store down');
  };
  return {
    reads,
    fail,
    store: {
      set: (flip) => inner.set(flip),
      get: (scope, id) => inner.get(scope, id),
      history: (options) => inner.history(options),
      list: async () => {
        reads.list += 1;
        return fail.now ? down() : inner.list();
      },
      listSince: async (version) => {
        reads.listSince += 1;
        return fail.now ? down() : inner.listSince(version);
      },
    },
  };
}

function flip(overrides: Partial<SwitchFlip> = {}): SwitchFlip {
  return { scope: 'route', id: 'support', state: 'off', reason: 'incident', actor: 'cli', at: new Date(Date.now()), ...overrides };
}

const boards: SwitchBoard[] = [];
async function board(options: SwitchBoardOptions): Promise<SwitchBoard> {
  const created = await createSwitchBoard(options);
  boards.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(boards.splice(0).map((each) => each.close()));
  vi.useRealTimers();
});

const request = { route: 'support', model: 'gpt-4o', tenant: 'acme', keyId: 'key00001' };

describe('SwitchBoard: evaluation', () => {
  it('answers on, the same frozen verdict, while no switch is flipped, and never reads the store to evaluate', async () => {
    const { store, reads } = watchedStore();
    const view = await board({ store });
    const before = { ...reads };
    const verdict = view.evaluate(request);
    expect(verdict).toEqual({ state: 'on', applied: [] });
    expect(Object.isFrozen(verdict)).toBe(true);
    await store.set(flip());
    await view.refresh();
    expect(view.evaluate(request).state).toBe('off');
    const after = { ...reads };
    for (let index = 0; index < 1_000; index += 1) view.evaluate({ ...request, tools: ['search'], detectors: ['pii'] });
    expect(reads).toEqual(after);
    expect(after.list).toBe(before.list + 1);
  });

  it('matches each scope on its own field only; global covers everything; absent fields match nothing', async () => {
    const store = createMemorySwitchStore();
    const view = await board({ store });
    const cases: [SwitchFlip['scope'], string, Parameters<SwitchBoard['evaluate']>[0], Parameters<SwitchBoard['evaluate']>[0]][] = [
      ['route', 'r1', { route: 'r1' }, { model: 'r1', tenant: 'r1', keyId: 'r1', tools: ['r1'], detectors: ['r1'] }],
      ['model', 'm1', { model: 'm1' }, { route: 'm1', tenant: 'm1', keyId: 'm1', tools: ['m1'], detectors: ['m1'] }],
      ['tenant', 't1', { tenant: 't1' }, { route: 't1', model: 't1', keyId: 't1', tools: ['t1'], detectors: ['t1'] }],
      ['key', 'k1', { keyId: 'k1' }, { route: 'k1', model: 'k1', tenant: 'k1', tools: ['k1'], detectors: ['k1'] }],
      ['tool', 'x1', { tools: ['search', 'x1'] }, { route: 'x1', model: 'x1', tenant: 'x1', keyId: 'x1', detectors: ['x1'], tools: [] }],
      ['detector', 'd1', { detectors: ['pii', 'd1'] }, { route: 'd1', model: 'd1', tenant: 'd1', keyId: 'd1', tools: ['d1'] }],
    ];
    for (const [scope, id, covered, other] of cases) {
      const made = await store.set(flip({ scope, id }));
      await view.refresh();
      expect(view.evaluate(covered)).toEqual({ state: 'off', retryAfterSeconds: 30, applied: [made.current] });
      expect(view.evaluate(other)).toEqual({ state: 'on', applied: [] });
      expect(view.evaluate({})).toEqual({ state: 'on', applied: [] });
      await store.set(flip({ scope, id, state: 'on' }));
    }
    const global = await store.set(flip({ scope: 'global', id: '*', state: 'degrade', degrade: { tools: 'disabled' } }));
    await view.refresh();
    expect(view.evaluate({})).toEqual({ state: 'degrade', degrade: { tools: 'disabled', policies: [] }, applied: [global.current] });
    expect(view.evaluate(request).applied).toEqual([global.current]);
  });

  it('takes the strongest state: off over degrade over on, and lists what applied, off first', async () => {
    const store = createMemorySwitchStore();
    const view = await board({ store, retryAfterSeconds: 120 });
    const degraded = await store.set(flip({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { policy: 'strict' } }));
    await store.set(flip({ scope: 'model', id: 'gpt-4o', state: 'on' }));
    await view.refresh();
    expect(view.evaluate(request)).toEqual({ state: 'degrade', degrade: { policies: ['strict'] }, applied: [degraded.current] });

    const off = await store.set(flip({ scope: 'key', id: 'key00001' }));
    await view.refresh();
    expect(view.evaluate(request)).toEqual({ state: 'off', retryAfterSeconds: 120, applied: [off.current, degraded.current] });
    // Another key of the same tenant is only degraded.
    expect(view.evaluate({ ...request, keyId: 'key00002' }).state).toBe('degrade');
    // A tool named twice applies once.
    const tool = await store.set(flip({ scope: 'tool', id: 'shell', state: 'degrade', degrade: { tools: 'disabled' } }));
    await view.refresh();
    expect(view.evaluate({ tools: ['shell', 'shell'] }).applied).toEqual([tool.current]);
  });

  it('merges degrade options: tools disabled if any says so, every forced policy once, in flip order', async () => {
    const store = createMemorySwitchStore();
    const view = await board({ store });
    const a = await store.set(flip({ scope: 'route', id: 'support', state: 'degrade', degrade: { policy: 'strict-v2' } }));
    const b = await store.set(flip({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { tools: 'disabled', policy: 'lockdown' } }));
    const c = await store.set(flip({ scope: 'global', id: '*', state: 'degrade', degrade: { policy: 'strict-v2' } }));
    await view.refresh();
    expect(view.evaluate(request)).toEqual({ state: 'degrade', degrade: { tools: 'disabled', policies: ['strict-v2', 'lockdown'] }, applied: [a.current, b.current, c.current] });
    expect(view.evaluate({ route: 'support' })).toEqual({ state: 'degrade', degrade: { policies: ['strict-v2'] }, applied: [a.current, c.current] });
  });

  it('sets Retry-After to when the last off switch expires, or the default when one does not expire', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z') });
    const store = createMemorySwitchStore();
    const view = await board({ store });
    await store.set(flip({ scope: 'route', id: 'support', expiresAt: new Date(Date.now() + 90_500) }));
    await store.set(flip({ scope: 'model', id: 'gpt-4o', expiresAt: new Date(Date.now() + 10_000) }));
    await view.refresh();
    expect(view.evaluate(request).retryAfterSeconds).toBe(91);
    expect(view.evaluate({ model: 'gpt-4o' }).retryAfterSeconds).toBe(10);
    await store.set(flip({ scope: 'tenant', id: 'acme' }));
    await view.refresh();
    expect(view.evaluate(request).retryAfterSeconds).toBe(30);
  });

  it('makes the 503 error: unavailable, Retry-After, no reason, and only ids the client named', async () => {
    const store = createMemorySwitchStore();
    const view = await board({ store });
    await store.set(flip({ scope: 'model', id: 'gpt-4o', reason: 'secret incident details' }));
    await view.refresh();
    const error = switchedOffError(view.evaluate(request));
    expect(error).toMatchObject({ code: 'unavailable', status: 503, retryAfter: 30 });
    expect(error.message).toContain('"gpt-4o"');
    expect(error.message).not.toContain('secret');
    await store.set(flip({ scope: 'tenant', id: 'acme' }));
    await store.set(flip({ scope: 'model', id: 'gpt-4o', state: 'on' }));
    await view.refresh();
    expect(switchedOffError(view.evaluate(request)).message).not.toContain('acme');
    await store.set(flip({ scope: 'global', id: '*' }));
    await view.refresh();
    expect(switchedOffError(view.evaluate({})).message).toMatch(/service is switched off/);
  });
});

describe('SwitchBoard: staying current', () => {
  it('sees a flip from another board through the notifier, reading only the changes', async () => {
    const notifier = createInProcessSwitchNotifier();
    const { store, reads } = watchedStore();
    const writer = createNotifyingSwitchStore({ store, notifier });
    const view = await board({ store, notifier, refreshIntervalMs: 60_000 });
    const other = await board({ store, notifier, refreshIntervalMs: 60_000 });
    expect(view.version).toBe(0);
    const before = view.changedAt;

    const made = await writer.set(flip());
    await vi.waitFor(() => expect(view.version).toBe(made.version));
    expect(other.version).toBe(made.version);
    expect(view.evaluate(request).state).toBe('off');
    expect(view.changedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(reads.listSince).toBe(2);
    expect(reads.list).toBe(2);

    // Flipping back on is read the same way and clears the switch.
    await writer.set(flip({ state: 'on' }));
    await vi.waitFor(() => expect(view.evaluate(request)).toEqual({ state: 'on', applied: [] }));
    expect(view.active()).toEqual([]);
  });

  it('ignores a notice of a version it already has, and folds notices that arrive during a read into one more read', async () => {
    const notifier = createInProcessSwitchNotifier();
    const { store, reads } = watchedStore();
    const view = await board({ store, notifier, refreshIntervalMs: 60_000 });
    await notifier.publish(0);
    await Promise.resolve();
    expect(reads.listSince).toBe(0);

    for (let index = 0; index < 5; index += 1) await store.set(flip({ id: `r${index}` }));
    for (let version = 1; version <= 5; version += 1) await notifier.publish(version);
    await vi.waitFor(() => expect(view.version).toBe(5));
    // The first notice starts a read; the four arriving while it runs make one more at most.
    expect(reads.listSince).toBeLessThanOrEqual(2);
    expect(view.active().map((record) => record.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('re-reads everything on its interval, so a flip whose notice was lost still arrives', async () => {
    vi.useFakeTimers();
    const { store, reads } = watchedStore();
    const view = await board({ store, notifier: createInProcessSwitchNotifier(), refreshIntervalMs: 1_000 });
    // Stored without any notice, as when the message is lost.
    await store.set(flip());
    await vi.advanceTimersByTimeAsync(999);
    expect(view.evaluate(request).state).toBe('on');
    await vi.advanceTimersByTimeAsync(1);
    expect(view.evaluate(request).state).toBe('off');
    expect(view.version).toBe(1);
    expect(reads.list).toBe(2);
  });

  it('re-reads everything when the notifier says it resubscribed', async () => {
    const { store, reads } = watchedStore();
    let tell: ((notice: { type: 'resubscribed' }) => void) | undefined;
    const notifier = {
      publish: async () => {},
      subscribe: (listener: (notice: { type: 'resubscribed' }) => void) => {
        tell = listener;
        return () => {};
      },
      close: async () => {},
    };
    const view = await board({ store, notifier, refreshIntervalMs: 60_000 });
    await store.set(flip());
    tell?.({ type: 'resubscribed' });
    await vi.waitFor(() => expect(view.evaluate(request).state).toBe('off'));
    expect(reads.list).toBe(2);
  });

  it('lets a switch expire on time, without a message or a read', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z') });
    const { store, reads } = watchedStore();
    const view = await board({ store, refreshIntervalMs: 60_000 });
    await store.set(flip({ expiresAt: new Date(Date.now() + 1_000) }));
    await store.set(flip({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { tools: 'disabled' }, expiresAt: new Date(Date.now() + 2_000) }));
    await view.refresh();
    const readsBefore = { ...reads };
    const changedBefore = view.changedAt.getTime();

    await vi.advanceTimersByTimeAsync(999);
    expect(view.evaluate(request).state).toBe('off');
    await vi.advanceTimersByTimeAsync(1);
    expect(view.evaluate(request).state).toBe('degrade');
    expect(view.changedAt.getTime()).toBe(changedBefore + 1_000);
    expect(view.active().map((record) => record.scope)).toEqual(['tenant']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(view.evaluate(request)).toEqual({ state: 'on', applied: [] });
    expect(view.active()).toEqual([]);
    expect(reads).toEqual(readsBefore);
  });

  it('never applies an expired switch, even before its timer fires', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const store = createMemorySwitchStore();
    const view = await board({ store, clock: () => now });
    await store.set(flip({ at: new Date(now), expiresAt: new Date(now + 1_000) }));
    await view.refresh();
    expect(view.evaluate(request).state).toBe('off');
    now += 1_000;
    expect(view.evaluate(request).state).toBe('on');
    // A flip read after its expiry is not installed at all.
    await store.set(flip({ scope: 'model', id: 'gpt-4o', at: new Date(now - 5_000), expiresAt: new Date(now - 1) }));
    await view.refresh();
    expect(view.active()).toEqual([]);
  });

  it('keeps its last view while the store is down, says so, and catches up when it is back', async () => {
    vi.useFakeTimers();
    const { store, fail } = watchedStore();
    const errors: unknown[] = [];
    const view = await board({ store, refreshIntervalMs: 1_000, onError: (error) => errors.push(error) });
    await store.set(flip());
    await view.refresh();
    const refreshedAt = view.refreshedAt.getTime();

    fail.now = true;
    await store.set(flip({ state: 'on' }));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(errors.length).toBe(3);
    await expect(view.refresh()).rejects.toThrow('store down');
    expect(view.evaluate(request).state).toBe('off');
    expect(view.refreshedAt.getTime()).toBe(refreshedAt);

    fail.now = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(view.evaluate(request).state).toBe('on');
    expect(view.refreshedAt.getTime()).toBeGreaterThan(refreshedAt);
  });

  it('refuses to start when the first read fails', async () => {
    const { store, fail } = watchedStore();
    fail.now = true;
    await expect(createSwitchBoard({ store })).rejects.toThrow('store down');
  });

  it('takes a full read as the truth, even at a lower version (a store restored from a backup)', async () => {
    let current: SwitchStore = createMemorySwitchStore();
    const store: SwitchStore = {
      set: (each) => current.set(each),
      get: (scope, id) => current.get(scope, id),
      history: (options) => current.history(options),
      list: () => current.list(),
      listSince: (version) => current.listSince(version),
    };
    const view = await board({ store });
    await store.set(flip({ id: 'a' }));
    await store.set(flip({ id: 'b' }));
    await view.refresh();
    expect(view.version).toBe(2);
    current = createMemorySwitchStore();
    await store.set(flip({ id: 'c' }));
    await view.refresh();
    expect(view.version).toBe(1);
    expect(view.active().map((record) => record.id)).toEqual(['c']);
  });

  it('stops reading when closed, and keeps answering from its last view', async () => {
    vi.useFakeTimers();
    const notifier = createInProcessSwitchNotifier();
    const { store, reads } = watchedStore();
    const view = await board({ store, notifier, refreshIntervalMs: 1_000 });
    await store.set(flip());
    await view.refresh();
    await view.close();
    const after = { ...reads };
    await store.set(flip({ state: 'on' }));
    await notifier.publish(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reads).toEqual(after);
    expect(view.evaluate(request).state).toBe('off');
  });
});
