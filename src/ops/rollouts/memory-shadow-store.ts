import {
  checkShadowExamplesOptions,
  checkShadowStoreOptions,
  checkShadowSummaryOptions,
  isDisagreement,
  normalizeShadowComparison,
  SHADOW_SUMMARY_EXAMPLE_IDS,
  shadowCounterNames,
  shadowCounterPeriod,
  shadowSummaryFromCounters,
  type ShadowExample,
  type ShadowStore,
  type ShadowStoreOptions,
} from './shadow-store.js';

/**
 * Shadow comparisons in this process only: for tests and a single process without a database.
 * Bounded like every backend: counters per rollout and hour, `maxExamples` disagreements per rollout.
 */
export function createMemoryShadowStore(options: ShadowStoreOptions = {}): ShadowStore {
  const maxExamples = checkShadowStoreOptions(options);
  /** rollout → hour (ms) → counter name → count. */
  const counters = new Map<string, Map<number, Map<string, number>>>();
  /** rollout → kept disagreements, oldest first. */
  const examples = new Map<string, ShadowExample[]>();

  return {
    async record(comparison) {
      const stored = normalizeShadowComparison(comparison);
      const periods = counters.get(stored.rolloutId) ?? new Map<number, Map<string, number>>();
      counters.set(stored.rolloutId, periods);
      const period = shadowCounterPeriod(stored.at);
      const named = periods.get(period) ?? new Map<string, number>();
      periods.set(period, named);
      for (const name of shadowCounterNames(stored)) named.set(name, (named.get(name) ?? 0) + 1);
      if (!isDisagreement(stored)) return;
      const kept = examples.get(stored.rolloutId) ?? [];
      examples.set(stored.rolloutId, kept);
      kept.push(stored);
      if (kept.length > maxExamples) kept.splice(0, kept.length - maxExamples);
    },

    async summary({ rolloutId, since }) {
      checkShadowSummaryOptions({ rolloutId, since });
      const from = since === undefined ? Number.NEGATIVE_INFINITY : shadowCounterPeriod(since);
      const totals = new Map<string, number>();
      for (const [period, named] of counters.get(rolloutId) ?? []) {
        if (period < from) continue;
        for (const [name, count] of named) totals.set(name, (totals.get(name) ?? 0) + count);
      }
      const exampleIds = (examples.get(rolloutId) ?? [])
        .filter((example) => since === undefined || example.at.getTime() >= since.getTime())
        .slice(-SHADOW_SUMMARY_EXAMPLE_IDS)
        .reverse()
        .map((example) => example.requestId);
      return shadowSummaryFromCounters(since === undefined ? { rolloutId, counters: totals, exampleIds } : { rolloutId, since, counters: totals, exampleIds });
    },

    async examples(options) {
      checkShadowExamplesOptions(options);
      return (examples.get(options.rolloutId) ?? []).slice(-options.limit).reverse().map((example) => structuredClone(example));
    },
  };
}
