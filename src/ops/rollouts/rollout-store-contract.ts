/**
 * The behaviour every `RolloutStore` backend must have, run by each backend's test file. The
 * store holds one global state (one active version, at most one running rollout), so the tests
 * run in order on one fresh store and each leaves no rollout running.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRolloutId, type Rollout } from './rollout.js';
import type { RolloutStore, StartRolloutRequest } from './rollout-store.js';

export interface RolloutStoreHarness {
  /** A fresh, empty store. */
  store: RolloutStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: RolloutStore;
  close(): Promise<void>;
}

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (minutes: number): Date => new Date(start.getTime() + minutes * 60_000);
const hashOf = (name: string): string => createHash('sha256').update(name).digest('hex');

export function rolloutStoreContract(backend: string, open: () => Promise<RolloutStoreHarness>): void {
  describe(`RolloutStore contract: ${backend}`, () => {
    let harness: RolloutStoreHarness;
    let store: RolloutStore;
    let replica: RolloutStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    function startRequest(overrides: Partial<StartRolloutRequest> = {}): StartRolloutRequest {
      return { id: newRolloutId(), candidate: hashOf(`candidate-${Math.random()}`), stages: [1, 5, 25, 100], bucketBy: 'tenant', mode: 'enforce', by: 'admin001', now: at(0), ...overrides };
    }

    async function started(overrides: Partial<StartRolloutRequest> = {}): Promise<Rollout> {
      const result = await store.start(startRequest(overrides));
      if (result.state !== 'started') throw new Error(`rollout not started: ${result.state}`);
      return result.rollout;
    }

    it('starts empty, and refuses a rollout while no version is active (there is no baseline)', async () => {
      expect(await store.state()).toEqual({ version: 0 });
      expect(await store.current()).toBeUndefined();
      expect(await store.activeVersion()).toBeUndefined();
      expect(await store.start(startRequest())).toEqual({ state: 'no_active_version' });
      expect(await store.list({ limit: 10 })).toEqual([]);
      expect((await store.state()).version).toBe(0);
    });

    it('activates a version, once, and every replica sees it with the new store version', async () => {
      const hash = hashOf('v1');
      const activated = await store.activate({ hash, by: 'admin001', now: at(0) });
      const active = { hash, activatedAt: at(0), activatedBy: 'admin001', version: 1 };
      expect(activated).toEqual({ state: 'activated', active });
      expect(await replica.activeVersion()).toEqual(active);
      expect(await replica.state()).toEqual({ version: 1, active });
      expect(await replica.activate({ hash, by: 'admin002', now: at(1) })).toEqual({ state: 'already_active', active });
      expect((await store.state()).version).toBe(1);
      expect(await store.activate({ hash: hashOf('v2'), by: 'admin001', now: at(1), ifVersion: 0 })).toEqual({ state: 'version_mismatch', version: 1 });
      expect((await store.activate({ hash: hashOf('v2'), by: 'admin001', now: at(1), ifVersion: 1 })).state).toBe('activated');
      expect((await store.activate({ hash, by: 'admin001', now: at(2) })).state).toBe('activated');
      expect(await store.activeVersion()).toEqual({ hash, activatedAt: at(2), activatedBy: 'admin001', version: 3 });
    });

    it('runs a rollout through its stages to completion: the candidate becomes the active version', async () => {
      const baseline = (await store.activeVersion())?.hash;
      const before = (await store.state()).version;
      const candidate = hashOf('v3');
      const request = startRequest({ candidate, mode: 'shadow', bucketBy: 'end_user', schedule: { everyMinutes: 30 }, reason: 'new injection rules' });
      const startedResult = await store.start(request);
      const rollout: Rollout = {
        id: request.id,
        candidate,
        baseline: baseline as string,
        percent: 1,
        stages: [1, 5, 25, 100],
        bucketBy: 'end_user',
        mode: 'shadow',
        schedule: { everyMinutes: 30 },
        status: 'running',
        startedAt: at(0),
        startedBy: 'admin001',
        version: before + 1,
        history: [{ version: before + 1, kind: 'start', fromPercent: 0, toPercent: 1, at: at(0), by: 'admin001', reason: 'new injection rules' }],
      };
      expect(startedResult).toEqual({ state: 'started', rollout });
      expect(await replica.current()).toEqual(rollout);
      expect(await replica.state()).toEqual({ version: before + 1, active: await store.activeVersion(), rollout });

      const next = await replica.advance({ rolloutId: request.id, by: 'scheduler', now: at(30) });
      expect(next.state === 'changed' && [next.rollout.percent, next.rollout.version]).toEqual([5, before + 2]);
      const jumped = await store.advance({ rolloutId: request.id, to: 30, by: 'admin002', reason: 'looks fine', now: at(40) });
      expect(jumped.state === 'changed' && jumped.rollout.percent).toBe(30);
      expect((await store.advance({ rolloutId: request.id, to: 25, by: 'admin002', now: at(41) })).state).toBe('not_forward');
      expect((await store.advance({ rolloutId: request.id, to: 30, by: 'admin002', now: at(41) })).state).toBe('not_forward');
      // From 30 the next planned stage is 100, though 30 was never planned.
      const full = await store.advance({ rolloutId: request.id, by: 'scheduler', now: at(70) });
      expect(full.state === 'changed' && full.rollout.percent).toBe(100);
      expect(await store.advance({ rolloutId: request.id, by: 'scheduler', now: at(100) })).toMatchObject({ state: 'not_forward', rollout: { percent: 100 } });
      expect((await store.state()).version).toBe(before + 4);

      const completed = await replica.complete({ rolloutId: request.id, by: 'admin001', now: at(120) });
      expect(completed.state).toBe('changed');
      const ended = completed.state === 'changed' ? completed.rollout : undefined;
      expect(ended).toMatchObject({ status: 'completed', percent: 100, endedAt: at(120), version: before + 5 });
      expect(ended?.history.map((change) => [change.kind, change.fromPercent, change.toPercent, change.version, change.by])).toEqual([
        ['start', 0, 1, before + 1, 'admin001'],
        ['advance', 1, 5, before + 2, 'scheduler'],
        ['advance', 5, 30, before + 3, 'admin002'],
        ['advance', 30, 100, before + 4, 'scheduler'],
        ['complete', 100, 100, before + 5, 'admin001'],
      ]);
      expect(ended?.history[2]).toEqual({ version: before + 3, kind: 'advance', fromPercent: 5, toPercent: 30, at: at(40), by: 'admin002', reason: 'looks fine' });
      expect(ended?.history[1]).not.toHaveProperty('reason');
      const active = { hash: candidate, activatedAt: at(120), activatedBy: 'admin001', rolloutId: request.id, version: before + 5 };
      expect(await store.state()).toEqual({ version: before + 5, active });
      expect(await store.current()).toBeUndefined();
      expect(await store.get(request.id)).toEqual(ended);

      // An ended rollout takes no more transitions, and nothing moves.
      for (const result of [
        await store.advance({ rolloutId: request.id, by: 'admin001', now: at(121) }),
        await store.complete({ rolloutId: request.id, by: 'admin001', now: at(121) }),
        await store.rollBack({ rolloutId: request.id, by: 'admin001', reason: 'late', now: at(121) }),
        await store.abort({ rolloutId: request.id, by: 'admin001', now: at(121) }),
      ]) {
        expect(result).toEqual({ state: 'not_running', rollout: ended });
      }
      expect((await store.state()).version).toBe(before + 5);
      expect(await store.advance({ rolloutId: 'rol_missing', by: 'admin001', now: at(121) })).toEqual({ state: 'not_found' });
    });

    it('rolls back and aborts: the baseline stays active and the percent drops to 0', async () => {
      const baseline = await store.activeVersion();
      const first = await started({ now: at(200) });
      const rolledBack = await store.rollBack({ rolloutId: first.id, by: 'auto-rollback', reason: 'candidate block rate +7.2 points', now: at(210) });
      expect(rolledBack).toMatchObject({ state: 'changed', rollout: { status: 'rolled_back', percent: 0, endedAt: at(210), baseline: baseline?.hash } });
      expect(rolledBack.state === 'changed' && rolledBack.rollout.history.at(-1)).toEqual({
        version: first.version + 1,
        kind: 'roll_back',
        fromPercent: 1,
        toPercent: 0,
        at: at(210),
        by: 'auto-rollback',
        reason: 'candidate block rate +7.2 points',
      });
      expect(await replica.activeVersion()).toEqual(baseline);
      expect(await replica.current()).toBeUndefined();

      const second = await started({ now: at(220) });
      await store.advance({ rolloutId: second.id, by: 'admin001', now: at(221) });
      const aborted = await replica.abort({ rolloutId: second.id, by: 'admin002', now: at(230) });
      expect(aborted).toMatchObject({ state: 'changed', rollout: { status: 'aborted', percent: 0, endedAt: at(230) } });
      expect(aborted.state === 'changed' && aborted.rollout.history.at(-1)).not.toHaveProperty('reason');
      expect(await store.activeVersion()).toEqual(baseline);
      expect((await store.state()).version).toBe(second.version + 2);
    });

    it('runs one rollout at a time, and keeps the active version while it runs', async () => {
      const active = await store.activeVersion();
      const running = await started({ now: at(300) });
      expect(await replica.start(startRequest({ now: at(301) }))).toEqual({ state: 'already_running', rollout: running });
      expect(await replica.activate({ hash: hashOf('v9'), by: 'admin001', now: at(301) })).toEqual({ state: 'rollout_running', rollout: running });
      expect((await store.state()).version).toBe(running.version);
      await store.abort({ rolloutId: running.id, by: 'admin001', now: at(302) });

      expect(await store.start(startRequest({ candidate: active?.hash as string }))).toEqual({ state: 'candidate_is_active', active });
      expect(await store.start(startRequest({ id: running.id }))).toEqual({ state: 'exists' });
      const version = (await store.state()).version;
      expect(await store.start(startRequest({ ifVersion: version - 1 }))).toEqual({ state: 'version_mismatch', version });
      expect(await store.current()).toBeUndefined();
    });

    it('lets exactly one of two replicas make a transition from the same version', async () => {
      const [a, b] = await Promise.all([store.start(startRequest({ now: at(400) })), replica.start(startRequest({ now: at(400) }))]);
      expect([a.state, b.state].sort()).toEqual(['already_running', 'started']);
      const rollout = a.state === 'started' ? a.rollout : b.state === 'started' ? b.rollout : undefined;
      if (rollout === undefined) throw new Error('no rollout started');

      for (let round = 0; round < 3; round += 1) {
        const { version } = await store.state();
        const results = await Promise.all([
          store.advance({ rolloutId: rollout.id, by: 'replica-a', now: at(401 + round), ifVersion: version }),
          replica.advance({ rolloutId: rollout.id, by: 'replica-b', now: at(401 + round), ifVersion: version }),
        ]);
        expect(results.map((result) => result.state).sort()).toEqual(['changed', 'version_mismatch']);
        expect(results.find((result) => result.state === 'version_mismatch')).toEqual({ state: 'version_mismatch', version: version + 1 });
      }
      // Without ifVersion both are applied, one after the other: a rollback then finds it ended.
      const raced = await Promise.all([
        store.rollBack({ rolloutId: rollout.id, by: 'replica-a', reason: 'errors', now: at(410) }),
        replica.rollBack({ rolloutId: rollout.id, by: 'replica-b', reason: 'errors', now: at(410) }),
      ]);
      expect(raced.map((result) => result.state).sort()).toEqual(['changed', 'not_running']);
      const ended = await store.get(rollout.id);
      expect(ended?.history.map((change) => change.kind)).toEqual(['start', 'advance', 'advance', 'advance', 'roll_back']);
      expect(ended?.percent).toBe(0);
    });

    it('gives every transition a strictly increasing version', async () => {
      const rollout = await started({ now: at(500), stages: [0.5, 12.25] });
      await replica.advance({ rolloutId: rollout.id, by: 'admin001', now: at(501) });
      await store.complete({ rolloutId: rollout.id, by: 'admin001', now: at(502) });
      await replica.activate({ hash: hashOf('v1'), by: 'admin001', now: at(503) });
      const versions = (await store.list({ limit: 1_000 })).flatMap((each) => each.history.map((change) => change.version));
      versions.push((await store.activeVersion())?.version ?? -1);
      const sorted = [...versions].sort((x, y) => x - y);
      expect(new Set(versions).size).toBe(versions.length);
      expect(sorted.at(-1)).toBe((await store.state()).version);
      expect((await store.get(rollout.id))?.history.map((change) => change.toPercent)).toEqual([0.5, 12.25, 100]);
    });

    it('lists rollouts newest first, with their histories', async () => {
      const all = await replica.list({ limit: 1_000 });
      expect(all.length).toBeGreaterThanOrEqual(6);
      const times = all.map((rollout) => rollout.startedAt.getTime());
      expect(times).toEqual([...times].sort((x, y) => y - x));
      expect(all[0]).toEqual(await store.get(all[0]?.id ?? ''));
      expect(await store.list({ limit: 2 })).toEqual(all.slice(0, 2));
    });

    it('refuses malformed requests before changing anything', async () => {
      const version = (await store.state()).version;
      const bad: Partial<StartRolloutRequest>[] = [
        { id: '' },
        { candidate: 'ABC' },
        { stages: [] },
        { stages: [5, 1] },
        { stages: [5, 5] },
        { stages: [1, 101] },
        { stages: [-1] },
        { stages: [0.001] },
        { stages: Array.from({ length: 21 }, (_, index) => index + 1) },
        { bucketBy: 'session' as 'key' },
        { mode: 'dry_run' as 'shadow' },
        { schedule: { everyMinutes: 0 } },
        { schedule: { everyMinutes: 1.5 } },
        { by: '' },
        { now: new Date(Number.NaN) },
        { ifVersion: -1 },
      ];
      for (const overrides of bad) await expect(store.start(startRequest(overrides))).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.advance({ rolloutId: 'rol_x', to: 100.5, by: 'admin001', now: at(0) })).rejects.toMatchObject({ code: 'invalid_argument', message: /to/ });
      await expect(store.rollBack({ rolloutId: 'rol_x', by: 'admin001', now: at(0) } as never)).rejects.toMatchObject({ code: 'invalid_argument', message: /reason/ });
      await expect(store.rollBack({ rolloutId: 'rol_x', by: 'admin001', reason: '', now: at(0) })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.activate({ hash: 'v1', by: 'admin001', now: at(0) })).rejects.toMatchObject({ code: 'invalid_argument' });
      for (const limit of [0, 1_001, 1.5]) await expect(store.list({ limit })).rejects.toMatchObject({ code: 'invalid_argument', message: /limit/ });
      expect((await store.state()).version).toBe(version);
    });

    it('hands out copies: changing a result does not change the store', async () => {
      const rollout = await started({ now: at(600) });
      rollout.stages.push(7);
      rollout.history[0]?.at.setTime(0);
      rollout.percent = 99;
      const read = await store.get(rollout.id);
      expect(read?.stages).toEqual([1, 5, 25, 100]);
      expect(read?.history[0]?.at).toEqual(at(600));
      expect(read?.percent).toBe(1);
      await store.abort({ rolloutId: rollout.id, by: 'admin001', now: at(601) });
    });
  });
}
