import type { BaselineComparison, CaseChange } from './compare-baseline.js';
import type { ThresholdBreach } from './check-thresholds.js';

/** The CI verdict on a run: it passes when no threshold is breached and no case regressed. */
export interface EvalGate {
  passed: boolean;
  breaches: ThresholdBreach[];
  /** Baseline regressions (passed before, fail now); empty without a baseline. */
  regressions: CaseChange[];
  /** Cases with a verdict in the baseline that error now; empty without a baseline. */
  unmeasured: CaseChange[];
}

export function decideGate(options: { breaches: readonly ThresholdBreach[]; comparison?: BaselineComparison }): EvalGate {
  const regressions = [...(options.comparison?.regressions ?? [])];
  // A case that had a verdict in the baseline and errors now was not measured: the gate cannot
  // vouch for it, so it fails (a target that is down must not pass a baseline-only gate).
  const unmeasured = [...(options.comparison?.newErrors ?? [])];
  const breaches = [...options.breaches];
  return { passed: breaches.length === 0 && regressions.length === 0 && unmeasured.length === 0, breaches, regressions, unmeasured };
}
