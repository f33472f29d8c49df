import type { BaselineComparison, CaseChange } from './compare-baseline.js';
import type { ThresholdBreach } from './check-thresholds.js';

/** The CI verdict on a run: it passes when no threshold is breached and no case regressed. */
export interface EvalGate {
  passed: boolean;
  breaches: ThresholdBreach[];
  /** Baseline regressions (passed before, fail now); empty without a baseline. */
  regressions: CaseChange[];
}

export function decideGate(options: { breaches: readonly ThresholdBreach[]; comparison?: BaselineComparison }): EvalGate {
  const regressions = [...(options.comparison?.regressions ?? [])];
  const breaches = [...options.breaches];
  return { passed: breaches.length === 0 && regressions.length === 0, breaches, regressions };
}
