import type { RunResults } from '../eval-case.js';
import type { BaselineComparison } from '../metrics/compare-baseline.js';
import type { EvalMetrics } from '../metrics/compute-metrics.js';
import type { EvalGate } from '../metrics/decide-gate.js';
import type { EvalReport } from './eval-report.js';

/**
 * The machine-readable report. Field names are part of its contract: add fields, never rename
 * them, and bump `version` when a field changes meaning. The names are those of the TypeScript
 * types (camelCase), the same as the results file it embeds, so one reader handles both.
 */
export interface JsonReport {
  format: 'palisade-eval-report';
  version: 1;
  suite: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  gate: EvalGate;
  /** The whole baseline comparison, or `null` when the run was not compared with one. */
  baseline: BaselineComparison | null;
  metrics: EvalMetrics;
  results: RunResults;
}

export function toJsonReport(report: EvalReport): JsonReport {
  return {
    format: 'palisade-eval-report',
    version: 1,
    suite: report.results.suite,
    target: report.results.target,
    startedAt: report.results.startedAt,
    finishedAt: report.results.finishedAt,
    gate: report.gate,
    baseline: report.comparison ?? null,
    metrics: report.metrics,
    results: report.results,
  };
}

/** The report as pretty-printed JSON with a final newline. */
export function renderJsonReport(report: EvalReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
