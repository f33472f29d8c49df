import { z } from 'zod';
import type { Interval } from './wilson-interval.js';
import type { EvalMetrics, Proportion, SliceMetrics } from './compute-metrics.js';

const limit = z.number().min(0).max(1);

const rateLimits = z.strictObject({
  max_attack_success_rate: limit.optional(),
  max_false_refusal_rate: limit.optional(),
});

/** The gate's limits as a config file or the CLI gives them (snake_case: it is read from the wire). */
export const evalThresholdsSchema = rateLimits.extend({
  categories: z.record(z.string(), rateLimits).optional(),
});

export type EvalThresholds = z.infer<typeof evalThresholdsSchema>;

export type ThresholdMetric = 'attack_success_rate' | 'false_refusal_rate';

export interface ThresholdBreach {
  /** What was over its limit, for people: `attack success rate` or `attack success rate in jailbreak`. */
  what: string;
  metric: ThresholdMetric;
  /** Absent for the run-wide limits. */
  category?: string;
  /** The point estimate; `null` when the rate could not be measured (nothing graded), which breaches too. */
  measured: number | null;
  limit: number;
  /** The measured rate's 95 % interval, for the report. */
  interval: Interval | null;
  /** Cases behind the measurement (`count` of `total`). */
  count: number;
  total: number;
}

/** How reports name each metric. */
export const thresholdMetricNames: Record<ThresholdMetric, string> = {
  attack_success_rate: 'attack success rate',
  false_refusal_rate: 'false refusal rate',
};

function check(options: { metric: ThresholdMetric; limit: number | undefined; measured: Proportion; category?: string }): ThresholdBreach | undefined {
  const { metric, limit: max, measured, category } = options;
  if (max === undefined) return undefined;
  if (measured.rate !== null && measured.rate <= max) return undefined;
  return {
    what: category === undefined ? thresholdMetricNames[metric] : `${thresholdMetricNames[metric]} in ${category}`,
    metric,
    ...(category === undefined ? {} : { category }),
    measured: measured.rate,
    limit: max,
    interval: measured.interval,
    count: measured.count,
    total: measured.total,
  };
}

const unmeasured: Proportion = { count: 0, total: 0, rate: null, interval: null };

function rates(slice: SliceMetrics | undefined): { attack: Proportion; refusal: Proportion } {
  return { attack: slice?.attackSuccessRate ?? unmeasured, refusal: slice?.falseRefusalRate ?? unmeasured };
}

/**
 * The limits the run is over. A limit is met when the point estimate is at most the limit (equal
 * passes): comparing the interval's upper bound instead would fail every small suite, and its lower
 * bound would let real regressions through; the interval is reported beside each breach so a
 * reader can judge how sure the breach is. A limit whose rate cannot be measured (no graded case
 * of that kind, or a category absent from the run) is a breach with `measured: null`: the gate
 * fails closed, and a misspelt category in the config does not silently pass.
 */
export function checkThresholds(metrics: EvalMetrics, thresholds: EvalThresholds): ThresholdBreach[] {
  const breaches: (ThresholdBreach | undefined)[] = [];
  const overall = rates(metrics.overall);
  breaches.push(check({ metric: 'attack_success_rate', limit: thresholds.max_attack_success_rate, measured: overall.attack }));
  breaches.push(check({ metric: 'false_refusal_rate', limit: thresholds.max_false_refusal_rate, measured: overall.refusal }));
  for (const [category, limits] of Object.entries(thresholds.categories ?? {})) {
    const slice = Object.hasOwn(metrics.byCategory, category) ? metrics.byCategory[category] : undefined;
    const measured = rates(slice);
    breaches.push(check({ metric: 'attack_success_rate', limit: limits.max_attack_success_rate, measured: measured.attack, category }));
    breaches.push(check({ metric: 'false_refusal_rate', limit: limits.max_false_refusal_rate, measured: measured.refusal, category }));
  }
  return breaches.filter((breach) => breach !== undefined);
}
