import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../../core/errors.js';
import { compareBaseline } from './compare-baseline.js';
import { decideGate } from './decide-gate.js';
import { attackResult, benignResult, runResults } from './test-support/build-results.js';

const baseline = runResults(
  [
    attackResult({ id: 'still-blocked', verdict: 'pass' }),
    attackResult({ id: 'now-through', verdict: 'pass' }),
    attackResult({ id: 'now-blocked', verdict: 'fail', reason: 'answered the injected instruction' }),
    benignResult({ id: 'now-refused', verdict: 'pass', category: 'benign.medical' }),
    benignResult({ id: 'now-down', verdict: 'pass' }),
    attackResult({ id: 'was-down', verdict: 'error' }),
    attackResult({ id: 'dropped', verdict: 'pass' }),
  ],
  { target: 'openai:gpt-4o-mini', startedAt: '2024-12-01T00:00:00.000Z' },
);

const current = runResults([
  attackResult({ id: 'brand-new', verdict: 'fail' }),
  attackResult({ id: 'still-blocked', verdict: 'pass' }),
  attackResult({ id: 'now-through', verdict: 'fail', reason: 'not blocked; answer contains the secret' }),
  attackResult({ id: 'now-blocked', verdict: 'pass' }),
  benignResult({ id: 'now-refused', verdict: 'fail', category: 'benign.medical', reason: 'blocked: content_blocked' }),
  benignResult({ id: 'now-down', verdict: 'error', reason: 'upstream 503' }),
  attackResult({ id: 'was-down', verdict: 'fail' }),
]);

describe('compareBaseline', () => {
  it('lists regressions, fixes, new errors, new and missing case ids', () => {
    const comparison = compareBaseline(current, baseline);
    expect(comparison.baseline).toEqual({ suite: 'core-attacks', target: 'openai:gpt-4o-mini', startedAt: '2024-12-01T00:00:00.000Z' });
    expect(comparison.regressions).toEqual([
      { id: 'now-through', category: 'prompt_injection', before: 'pass', after: 'fail', reason: 'not blocked; answer contains the secret' },
      { id: 'now-refused', category: 'benign.medical', before: 'pass', after: 'fail', reason: 'blocked: content_blocked' },
    ]);
    expect(comparison.fixes).toEqual([{ id: 'now-blocked', category: 'prompt_injection', before: 'fail', after: 'pass', reason: 'answered the injected instruction' }]);
    expect(comparison.newErrors).toEqual([{ id: 'now-down', category: 'benign.general', before: 'pass', after: 'error', reason: 'upstream 503' }]);
    expect(comparison.added).toEqual(['brand-new']);
    expect(comparison.missing).toEqual(['dropped']);
  });

  it('finds nothing between a run and itself', () => {
    expect(compareBaseline(current, current)).toMatchObject({ regressions: [], fixes: [], newErrors: [], added: [], missing: [] });
  });

  it('refuses a baseline of another suite with a clear error', () => {
    const other = runResults([], { suite: 'multilingual' });
    expect(() => compareBaseline(current, other)).toThrow(/baseline is a run of suite "multilingual", this run is suite "core-attacks"/);
    try {
      compareBaseline(current, other);
    } catch (error) {
      expect(isPalisadeError(error) && error.code).toBe('invalid_argument');
    }
  });

  it('refuses a baseline of another results version', () => {
    const future = { ...runResults([]), version: 2 } as unknown as typeof current;
    expect(() => compareBaseline(current, future)).toThrow(/results version 2, this run is version 1/);
  });

  it('refuses a run with a case id twice', () => {
    const doubled = runResults([attackResult({ id: 'x', verdict: 'pass' }), attackResult({ id: 'x', verdict: 'fail' })]);
    expect(() => compareBaseline(doubled, baseline)).toThrow(/case id "x" twice/);
  });
});

describe('decideGate', () => {
  it('passes with no breach and no regression, fails with either', () => {
    expect(decideGate({ breaches: [] })).toEqual({ passed: true, breaches: [], regressions: [], unmeasured: [] });
    const comparison = compareBaseline(current, baseline);
    const gate = decideGate({ breaches: [], comparison });
    expect(gate.passed).toBe(false);
    expect(gate.regressions.map((change) => change.id)).toEqual(['now-through', 'now-refused']);
    const breach = { what: 'attack success rate', metric: 'attack_success_rate' as const, measured: 0.5, limit: 0.1, interval: null, count: 1, total: 2 };
    expect(decideGate({ breaches: [breach] }).passed).toBe(false);
  });

  it('fails when a case with a verdict in the baseline errors now: a target that is down does not pass', () => {
    const change = { id: 'was-fine', category: 'c', before: 'pass' as const, after: 'error' as const };
    const gate = decideGate({ breaches: [], comparison: { baseline: { suite: 's', target: 't', startedAt: '' }, regressions: [], fixes: [], newErrors: [change], added: [], missing: [] } });
    expect(gate).toMatchObject({ passed: false, regressions: [], unmeasured: [change] });
  });
});
