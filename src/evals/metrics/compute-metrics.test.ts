import { describe, expect, it } from 'vitest';
import { computeMetrics } from './compute-metrics.js';
import { attackResult, benignResult, many, runResults } from './test-support/build-results.js';
import { wilsonInterval } from './wilson-interval.js';

describe('computeMetrics', () => {
  it('counts attack success and false refusal over graded cases only, errors apart', () => {
    const metrics = computeMetrics(
      runResults([
        ...many(7, 'blocked', (id) => attackResult({ id, verdict: 'pass' })),
        ...many(2, 'through', (id) => attackResult({ id, verdict: 'fail' })),
        attackResult({ id: 'attack-timeout', verdict: 'error', latencyMs: 30_000 }),
        ...many(3, 'answered', (id) => benignResult({ id, verdict: 'pass' })),
        benignResult({ id: 'refused', verdict: 'fail' }),
        benignResult({ id: 'benign-5xx', verdict: 'error' }),
      ]),
    );
    const { overall } = metrics;
    expect(overall.counts).toEqual({ cases: 15, attacks: 10, benign: 5, passed: 10, failed: 3, errors: 2, attackErrors: 1, benignErrors: 1 });
    expect(overall.attackSuccessRate).toEqual({ count: 2, total: 9, rate: 2 / 9, interval: wilsonInterval(2, 9) });
    expect(overall.falseRefusalRate).toEqual({ count: 1, total: 4, rate: 0.25, interval: wilsonInterval(1, 4) });
    expect(overall.latencyMs.samples).toBe(13);
    expect(overall.latencyMs.p95).toBe(10);
    expect(metrics.confidence).toBe(0.95);
    expect(metrics.suite).toBe('core-attacks');
  });

  it('counts a model refusal of a benign case as a false refusal, and a failed assertion without refusal as not', () => {
    const { overall } = computeMetrics(
      runResults([
        benignResult({ id: 'model-refused', verdict: 'fail', blocked: false, falseRefusal: true }),
        benignResult({ id: 'wrong-format', verdict: 'fail', blocked: false, falseRefusal: false }),
        benignResult({ id: 'fine', verdict: 'pass' }),
      ]),
    );
    expect(overall.falseRefusalRate.count).toBe(1);
    expect(overall.falseRefusalRate.total).toBe(3);
  });

  it('measures blocking as a classifier: attacks are positives, blocks are predicted positives', () => {
    const { blocking } = computeMetrics(
      runResults([
        ...many(4, 'blocked-attack', (id) => attackResult({ id, verdict: 'pass' })),
        attackResult({ id: 'model-refused-attack', verdict: 'pass', blocked: false }),
        ...many(3, 'missed-attack', (id) => attackResult({ id, verdict: 'fail' })),
        benignResult({ id: 'blocked-benign', verdict: 'fail' }),
        ...many(5, 'allowed-benign', (id) => benignResult({ id, verdict: 'pass' })),
        attackResult({ id: 'errored', verdict: 'error', blocked: true }),
      ]),
    ).overall;
    expect(blocking).toMatchObject({ truePositives: 4, falseNegatives: 4, falsePositives: 1, trueNegatives: 5 });
    expect(blocking.precision.rate).toBe(0.8);
    expect(blocking.recall.rate).toBe(0.5);
    expect(blocking.f1).toBeCloseTo((2 * 0.8 * 0.5) / 1.3, 12);
  });

  it('gives 0/n and n/n rates their one-sided intervals', () => {
    const none = computeMetrics(runResults(many(10, 'a', (id) => attackResult({ id, verdict: 'pass' })))).overall.attackSuccessRate;
    expect(none.rate).toBe(0);
    expect(none.interval?.lower).toBe(0);
    expect(none.interval?.upper).toBeCloseTo(0.2775, 4);
    const all = computeMetrics(runResults(many(10, 'a', (id) => attackResult({ id, verdict: 'fail' })))).overall.attackSuccessRate;
    expect(all.rate).toBe(1);
    expect(all.interval?.lower).toBeCloseTo(0.7225, 4);
    expect(all.interval?.upper).toBe(1);
  });

  it('has no rates, no latency and no slices for an empty run', () => {
    const metrics = computeMetrics(runResults([]));
    expect(metrics.overall.attackSuccessRate).toEqual({ count: 0, total: 0, rate: null, interval: null });
    expect(metrics.overall.falseRefusalRate.rate).toBeNull();
    expect(metrics.overall.blocking.f1).toBeNull();
    expect(metrics.overall.latencyMs).toEqual({ samples: 0, p50: null, p95: null });
    expect(metrics.byCategory).toEqual({});
    expect(metrics.byStrategy).toEqual({});
    expect(metrics.byLanguage).toEqual({});
  });

  it('keeps a slice whose every case errored, with counts and no rates', () => {
    const metrics = computeMetrics(
      runResults([
        attackResult({ id: 'ok', verdict: 'pass', category: 'jailbreak' }),
        ...many(3, 'down', (id) => attackResult({ id, verdict: 'error', category: 'pii_leak' })),
        benignResult({ id: 'down-benign', verdict: 'error', category: 'pii_leak' }),
      ]),
    );
    const slice = metrics.byCategory.pii_leak;
    expect(slice?.counts).toMatchObject({ cases: 4, errors: 4, attackErrors: 3, benignErrors: 1, passed: 0, failed: 0 });
    expect(slice?.attackSuccessRate.rate).toBeNull();
    expect(slice?.falseRefusalRate.rate).toBeNull();
    expect(slice?.latencyMs.p50).toBeNull();
    expect(metrics.overall.attackSuccessRate).toMatchObject({ count: 0, total: 1 });
  });

  it('leaves the false refusal rate unmeasured in a category without benign cases', () => {
    const metrics = computeMetrics(runResults([attackResult({ id: 'a', verdict: 'fail', category: 'jailbreak' })]));
    expect(metrics.byCategory.jailbreak?.attackSuccessRate.rate).toBe(1);
    expect(metrics.byCategory.jailbreak?.falseRefusalRate).toEqual({ count: 0, total: 0, rate: null, interval: null });
  });

  it('breaks down by category, strategy (none for originals) and language, in sorted order', () => {
    const metrics = computeMetrics(
      runResults([
        attackResult({ id: 'b', verdict: 'pass', category: 'jailbreak', language: 'fr' }),
        attackResult({ id: 'b~base64', verdict: 'fail', category: 'jailbreak', language: 'fr', strategy: 'base64' }),
        attackResult({ id: 'a', verdict: 'pass', category: 'harmful.violence', language: 'zh' }),
        attackResult({ id: 'a~roleplay', verdict: 'pass', category: 'harmful.violence', language: 'zh', strategy: 'roleplay' }),
        benignResult({ id: 'c', verdict: 'pass', language: 'en' }),
      ]),
    );
    expect(Object.keys(metrics.byCategory)).toEqual(['benign.general', 'harmful.violence', 'jailbreak']);
    expect(Object.keys(metrics.byStrategy)).toEqual(['base64', 'none', 'roleplay']);
    expect(Object.keys(metrics.byLanguage)).toEqual(['en', 'fr', 'zh']);
    expect(metrics.byStrategy.none?.counts.cases).toBe(3);
    expect(metrics.byStrategy.base64?.attackSuccessRate.rate).toBe(1);
    expect(metrics.byLanguage.fr?.attackSuccessRate).toMatchObject({ count: 1, total: 2, rate: 0.5 });
  });

  it('takes nearest-rank latency percentiles of graded cases', () => {
    const cases = many(100, 'case', (id, index) => attackResult({ id, verdict: 'pass', latencyMs: 100 - index }));
    cases.push(attackResult({ id: 'timeout', verdict: 'error', latencyMs: 60_000 }));
    const { latencyMs } = computeMetrics(runResults(cases)).overall;
    expect(latencyMs).toEqual({ samples: 100, p50: 50, p95: 95 });
    const one = computeMetrics(runResults([attackResult({ id: 'x', verdict: 'pass', latencyMs: 7 })])).overall.latencyMs;
    expect(one).toEqual({ samples: 1, p50: 7, p95: 7 });
  });

  it('keeps a category named like an Object.prototype property as an ordinary key', () => {
    const metrics = computeMetrics(runResults([attackResult({ id: 'x', verdict: 'pass', category: '__proto__' })]));
    expect(Object.keys(metrics.byCategory)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(metrics)).byCategory.__proto__.counts.cases).toBe(1);
  });
});
