/**
 * The behaviour every `ShadowStore` backend must have, run by each backend's test file. The
 * backends share one database per test file, so every test works in rollouts of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRolloutId } from './rollout.js';
import { MAX_SHADOW_EXAMPLE_LENGTH, type ShadowComparison, type ShadowStore, type ShadowStoreOptions } from './shadow-store.js';

export interface ShadowStoreHarness {
  store: ShadowStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: ShadowStore;
  close(): Promise<void>;
}

/** The cap on kept examples the harness is opened with: small, so that the test reaches it. */
export const CONTRACT_MAX_EXAMPLES = 25;

const hour = 3_600_000;
const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);

let requestCounter = 0;
function comparison(rolloutId: string, overrides: Partial<ShadowComparison> = {}): ShadowComparison {
  requestCounter += 1;
  return {
    rolloutId,
    requestId: `evt_${requestCounter.toString().padStart(6, '0')}`,
    tenantId: 'acme',
    stage: 'input',
    active: { action: 'allow', categories: [] },
    candidate: { action: 'allow', categories: [] },
    at: at(0),
    ...overrides,
  };
}

export function shadowStoreContract(backend: string, open: (options: ShadowStoreOptions) => Promise<ShadowStoreHarness>): void {
  describe(`ShadowStore contract: ${backend}`, () => {
    let harness: ShadowStoreHarness;
    let store: ShadowStore;
    let replica: ShadowStore;

    beforeAll(async () => {
      harness = await open({ maxExamples: CONTRACT_MAX_EXAMPLES });
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('summarises a rollout with nothing recorded as zeros', async () => {
      const rolloutId = newRolloutId();
      expect(await store.summary({ rolloutId })).toEqual({
        rolloutId,
        compared: 0,
        disagreements: 0,
        byActions: [],
        active: { blocked: 0, blockRate: 0 },
        candidate: { blocked: 0, blockRate: 0 },
        byCategory: [],
        exampleIds: [],
      });
      expect(await store.examples({ rolloutId, limit: 10 })).toEqual([]);
    });

    it('counts comparisons, disagreements by action pair, and block rates overall and by category', async () => {
      const rolloutId = newRolloutId();
      const recorded: ShadowComparison[] = [
        // Six agreements, one of them a block by both.
        ...Array.from({ length: 5 }, () => comparison(rolloutId)),
        comparison(rolloutId, { active: { action: 'block', categories: ['pii.card'] }, candidate: { action: 'block', categories: ['pii.card'] } }),
        // The candidate blocks three the active policy allowed, and escalates one it masked.
        comparison(rolloutId, { candidate: { action: 'block', categories: ['prompt_injection', 'prompt_injection', 'toxicity'] }, at: at(1) }),
        comparison(rolloutId, { candidate: { action: 'block', categories: ['prompt_injection'] }, stage: 'output', at: at(2) }),
        comparison(rolloutId, { candidate: { action: 'block', categories: ['prompt_injection'] }, at: at(3) }),
        comparison(rolloutId, { active: { action: 'mask', categories: ['pii.email'] }, candidate: { action: 'escalate', categories: ['pii.email'] }, at: at(4) }),
        // And lets one through that the active policy blocked.
        comparison(rolloutId, { active: { action: 'block', categories: ['toxicity'] }, candidate: { action: 'warn', categories: ['toxicity'] }, at: at(5) }),
      ];
      for (const [index, each] of recorded.entries()) await (index % 2 === 0 ? store : replica).record(each);
      const ids = recorded.map((each) => each.requestId);

      expect(await replica.summary({ rolloutId })).toEqual({
        rolloutId,
        compared: 11,
        disagreements: 5,
        byActions: [
          { active: 'allow', candidate: 'block', count: 3 },
          { active: 'mask', candidate: 'escalate', count: 1 },
          { active: 'block', candidate: 'warn', count: 1 },
        ],
        active: { blocked: 2, blockRate: 2 / 11 },
        candidate: { blocked: 5, blockRate: 5 / 11 },
        byCategory: [
          { category: 'prompt_injection', active: { blocked: 0, blockRate: 0 }, candidate: { blocked: 3, blockRate: 3 / 11 } },
          { category: 'pii.card', active: { blocked: 1, blockRate: 1 / 11 }, candidate: { blocked: 1, blockRate: 1 / 11 } },
          { category: 'toxicity', active: { blocked: 1, blockRate: 1 / 11 }, candidate: { blocked: 1, blockRate: 1 / 11 } },
          { category: 'pii.email', active: { blocked: 0, blockRate: 0 }, candidate: { blocked: 1, blockRate: 1 / 11 } },
        ],
        exampleIds: [ids[10], ids[9], ids[8], ids[7], ids[6]],
      });
    });

    it('keeps disagreements as examples, newest first, with the example text cut', async () => {
      const rolloutId = newRolloutId();
      const long = `${'a'.repeat(MAX_SHADOW_EXAMPLE_LENGTH - 2)}🛡️ and more`;
      const agreement = comparison(rolloutId, { example: 'both allowed this' });
      const first = comparison(rolloutId, {
        tenantId: 'globex',
        stage: 'output',
        active: { action: 'allow', categories: [] },
        candidate: { action: 'redact', categories: ['secrets.api_key', 'pii.email', 'secrets.api_key'] },
        example: 'send it to [EMAIL] with [API_KEY]',
        at: at(hour),
      });
      const second = comparison(rolloutId, { candidate: { action: 'block', categories: ['jailbreak'] }, example: long, at: at(hour + 1) });
      const third = comparison(rolloutId, { active: { action: 'block', categories: ['jailbreak'] }, at: at(hour + 2) });
      for (const each of [agreement, first, second, third]) await store.record(each);

      const kept = await replica.examples({ rolloutId, limit: 10 });
      expect(kept.map((example) => example.requestId)).toEqual([third.requestId, second.requestId, first.requestId]);
      expect(kept[2]).toEqual({ ...first, candidate: { action: 'redact', categories: ['pii.email', 'secrets.api_key'] } });
      expect(kept[0]).toEqual(third);
      expect(kept[0]).not.toHaveProperty('example');
      const cut = kept[1]?.example ?? '';
      expect(cut.length).toBeLessThanOrEqual(MAX_SHADOW_EXAMPLE_LENGTH);
      expect(cut.endsWith('…')).toBe(true);
      // Never half a surrogate pair.
      expect(cut).toBe(`${'a'.repeat(MAX_SHADOW_EXAMPLE_LENGTH - 2)}…`);
      expect((await store.examples({ rolloutId, limit: 2 })).map((example) => example.requestId)).toEqual([third.requestId, second.requestId]);

      // User text may hold a NUL, which PostgreSQL cannot store: every backend replaces it.
      const other = newRolloutId();
      await store.record(comparison(other, { candidate: { action: 'warn', categories: [] }, example: 'a\u0000b' }));
      expect((await replica.examples({ rolloutId: other, limit: 1 }))[0]?.example).toBe('a\uFFFDb');
    });

    it(`keeps at most the newest ${CONTRACT_MAX_EXAMPLES} examples per rollout, and counts every comparison`, async () => {
      const rolloutId = newRolloutId();
      const other = newRolloutId();
      const disagreements = Array.from({ length: CONTRACT_MAX_EXAMPLES + 12 }, (_, index) =>
        comparison(rolloutId, { candidate: { action: 'block', categories: ['x'] }, at: at(index) }),
      );
      await store.record(comparison(other, { candidate: { action: 'block', categories: ['x'] } }));
      for (const each of disagreements) await (Number(each.requestId.slice(4)) % 2 === 0 ? store : replica).record(each);
      const kept = await store.examples({ rolloutId, limit: 1_000 });
      expect(kept.map((example) => example.requestId)).toEqual(disagreements.slice(-CONTRACT_MAX_EXAMPLES).reverse().map((each) => each.requestId));
      expect((await store.summary({ rolloutId })).disagreements).toBe(disagreements.length);
      expect(await store.examples({ rolloutId: other, limit: 1_000 })).toHaveLength(1);
    });

    it('counts from the hour of `since`, and lists example ids from `since` on', async () => {
      const rolloutId = newRolloutId();
      const early = comparison(rolloutId, { candidate: { action: 'block', categories: ['x'] }, at: at(10 * 60_000) });
      const sameHour = comparison(rolloutId, { candidate: { action: 'block', categories: ['x'] }, at: at(2 * hour + 5 * 60_000) });
      const late = comparison(rolloutId, { candidate: { action: 'block', categories: ['x'] }, at: at(2 * hour + 40 * 60_000) });
      const agreement = comparison(rolloutId, { at: at(3 * hour) });
      for (const each of [early, sameHour, late, agreement]) await store.record(each);
      const since = at(2 * hour + 30 * 60_000);
      const summary = await replica.summary({ rolloutId, since });
      expect(summary).toMatchObject({ rolloutId, countedFrom: at(2 * hour), compared: 3, disagreements: 2, candidate: { blocked: 2 } });
      expect(summary.exampleIds).toEqual([late.requestId]);
      expect((await replica.summary({ rolloutId, since: at(0) })).compared).toBe(4);
      expect((await replica.summary({ rolloutId, since: at(4 * hour) })).compared).toBe(0);
    });

    it('counts every comparison of two replicas recording at once', async () => {
      const rolloutId = newRolloutId();
      const all = Array.from({ length: 60 }, (_, index) =>
        comparison(rolloutId, index % 3 === 0 ? { candidate: { action: 'block', categories: ['x', 'y'] }, at: at(index) } : { at: at(index) }),
      );
      await Promise.all(all.map((each, index) => (index % 2 === 0 ? store : replica).record(each)));
      const summary = await store.summary({ rolloutId });
      expect(summary).toMatchObject({ compared: 60, disagreements: 20, byActions: [{ active: 'allow', candidate: 'block', count: 20 }], candidate: { blocked: 20 } });
      expect(summary.byCategory.map((entry) => [entry.category, entry.candidate.blocked])).toEqual([
        ['x', 20],
        ['y', 20],
      ]);
      expect(await store.examples({ rolloutId, limit: 1_000 })).toHaveLength(CONTRACT_MAX_EXAMPLES - 5);
    });

    it('refuses malformed comparisons and options before storing anything', async () => {
      const rolloutId = newRolloutId();
      const bad: Partial<ShadowComparison>[] = [
        { rolloutId: '' },
        { requestId: '' },
        { tenantId: '' },
        { stage: 'tool' as 'input' },
        { active: { action: 'deny' as 'block', categories: [] } },
        { candidate: { action: 'block', categories: [''] } },
        { candidate: { action: 'block', categories: Array.from({ length: 33 }, (_, index) => `c${index}`) } },
        { at: new Date(Number.NaN) },
        { example: 42 as unknown as string },
      ];
      for (const overrides of bad) await expect(store.record(comparison(rolloutId, overrides))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect((await store.summary({ rolloutId })).compared).toBe(0);
      for (const limit of [0, 1_001, 2.5]) await expect(store.examples({ rolloutId, limit })).rejects.toMatchObject({ code: 'invalid_argument', message: /limit/ });
      await expect(store.summary({ rolloutId: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.summary({ rolloutId, since: new Date(Number.NaN) })).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('hands out copies and keeps what it was given apart from the caller', async () => {
      const rolloutId = newRolloutId();
      const given = comparison(rolloutId, { candidate: { action: 'block', categories: ['x'] } });
      await store.record(given);
      given.candidate.categories.push('changed');
      given.at.setTime(0);
      const [read] = await store.examples({ rolloutId, limit: 1 });
      if (read === undefined) throw new Error('example missing');
      expect(read.candidate.categories).toEqual(['x']);
      expect(read.at).toEqual(at(0));
      read.candidate.categories.push('changed');
      expect((await store.examples({ rolloutId, limit: 1 }))[0]?.candidate.categories).toEqual(['x']);
    });
  });
}
