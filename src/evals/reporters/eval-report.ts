import type { RunResults } from '../eval-case.js';
import type { BaselineComparison } from '../metrics/compare-baseline.js';
import type { EvalMetrics, Proportion } from '../metrics/compute-metrics.js';
import type { EvalGate } from '../metrics/decide-gate.js';

/** What every reporter renders: a run, its metrics, the gate's verdict and, with a baseline, the whole comparison. */
export interface EvalReport {
  results: RunResults;
  metrics: EvalMetrics;
  gate: EvalGate;
  /** Present when the run was compared with a baseline: fixes, new and missing cases besides the gate's regressions. */
  comparison?: BaselineComparison;
}

/** `12.5%`, or `n/a` when nothing was measured. */
export function formatPercent(rate: number | null): string {
  if (rate === null) return 'n/a';
  return `${(rate * 100).toFixed(1)}%`;
}

/** `4.2–17.3%`, or `n/a`. */
export function formatInterval(proportion: Proportion): string {
  if (proportion.interval === null) return 'n/a';
  const lower = formatPercent(proportion.interval.lower).slice(0, -1);
  return `${lower}–${formatPercent(proportion.interval.upper)}`;
}

/** `12.5% (95% CI 4.2–17.3%, 5/40)`, or `n/a (0 graded)`. */
export function formatProportion(proportion: Proportion): string {
  if (proportion.rate === null) return 'n/a (0 graded)';
  return `${formatPercent(proportion.rate)} (95% CI ${formatInterval(proportion)}, ${proportion.count}/${proportion.total})`;
}

export function formatMilliseconds(milliseconds: number | null): string {
  if (milliseconds === null) return 'n/a';
  return `${Math.round(milliseconds)} ms`;
}

/** At most `max` characters (code points, so a pair is never split), with `…` when cut. */
export function truncate(text: string, max: number): string {
  const characters = [...text];
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : text;
}
