import { PalisadeError } from '../../core/errors.js';
import type { CaseResult, RunResults, Verdict } from '../eval-case.js';

/** A case whose verdict changed between the baseline and this run. */
export interface CaseChange {
  id: string;
  category: string;
  before: Verdict;
  after: Verdict;
  /** Why it fails now (regressions) or failed before (fixes), as the grader put it. */
  reason?: string;
}

export interface BaselineComparison {
  baseline: { suite: string; target: string; startedAt: string };
  /** Passed in the baseline, fails now. */
  regressions: CaseChange[];
  /** Failed in the baseline, passes now. */
  fixes: CaseChange[];
  /** Passed or failed in the baseline, errors now: not a regression, but nothing was learnt about it. */
  newErrors: CaseChange[];
  /** Case ids only this run has. */
  added: string[];
  /** Case ids only the baseline has. */
  missing: string[];
}

function byId(results: RunResults, which: string): Map<string, CaseResult> {
  const cases = new Map<string, CaseResult>();
  for (const result of results.cases) {
    if (cases.has(result.id)) throw new PalisadeError('invalid_argument', `the ${which} run has case id ${JSON.stringify(result.id)} twice; case ids must be unique`);
    cases.set(result.id, result);
  }
  return cases;
}

function change(before: CaseResult, after: CaseResult, reason: string | undefined): CaseChange {
  return { id: after.id, category: after.category, before: before.verdict, after: after.verdict, ...(reason === undefined ? {} : { reason }) };
}

/**
 * Case-by-case differences from a baseline run of the same suite. A baseline of another suite or
 * another results version cannot be compared (every id would be "new"), so it is an
 * `invalid_argument` error rather than an empty or misleading comparison. Another target is
 * allowed: comparing targets on one suite is a use. Lists are in the current run's case order;
 * `missing` in the baseline's.
 */
export function compareBaseline(current: RunResults, baseline: RunResults): BaselineComparison {
  if (baseline.version !== current.version) {
    throw new PalisadeError('invalid_argument', `the baseline is results version ${String(baseline.version)}, this run is version ${String(current.version)}; they cannot be compared`, {
      details: [{ path: 'version', message: `expected ${String(current.version)}` }],
    });
  }
  if (baseline.suite !== current.suite) {
    throw new PalisadeError('invalid_argument', `the baseline is a run of suite ${JSON.stringify(baseline.suite)}, this run is suite ${JSON.stringify(current.suite)}; they cannot be compared`, {
      details: [{ path: 'suite', message: `expected ${JSON.stringify(current.suite)}` }],
    });
  }
  const before = byId(baseline, 'baseline');
  const after = byId(current, 'current');
  const comparison: BaselineComparison = {
    baseline: { suite: baseline.suite, target: baseline.target, startedAt: baseline.startedAt },
    regressions: [],
    fixes: [],
    newErrors: [],
    added: [],
    missing: [],
  };
  for (const [id, now] of after) {
    const then = before.get(id);
    if (then === undefined) comparison.added.push(id);
    else if (then.verdict === 'pass' && now.verdict === 'fail') comparison.regressions.push(change(then, now, now.reason));
    else if (then.verdict === 'fail' && now.verdict === 'pass') comparison.fixes.push(change(then, now, then.reason));
    else if (then.verdict !== 'error' && now.verdict === 'error') comparison.newErrors.push(change(then, now, now.reason));
  }
  for (const id of before.keys()) if (!after.has(id)) comparison.missing.push(id);
  return comparison;
}
