import type { LinearModel } from '../src/detectors/classifiers/linear-model.js';
import { riskScore } from '../src/detectors/classifiers/risk-score.js';
import type { Example } from './task-data.js';
import type { Vectoriser } from './vectoriser.js';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface RateCounts {
  flagged: number;
  total: number;
}

export interface EvaluationReport {
  /** At risk score ≥ 0.5 (the model's 1 %-FPR point) and ≥ 0.8 (its 0.1 % point). */
  warn: Confusion;
  block: Confusion;
  /** Share flagged at ≥ 0.5, per group. */
  groups: Record<string, RateCounts>;
}

/** Counts at one threshold. */
export function confusion(scored: readonly { label: number; score: number }[], cut: number): Confusion {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const { label, score } of scored) {
    const flagged = score >= cut;
    if (label === 1) counts[flagged ? 'tp' : 'fn']++;
    else counts[flagged ? 'fp' : 'tn']++;
  }
  return counts;
}

export function ratio(numerator: number, denominator: number): string {
  return denominator === 0 ? '—' : (numerator / denominator).toFixed(3);
}

/** One Markdown table row: precision, recall, F1, false-positive rate, positives / negatives. */
export function metricsRow(name: string, counts: Confusion): string {
  const precision = counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp / (counts.tp + counts.fn);
  const f1 = (2 * precision * recall) / (precision + recall);
  return `| ${name} | ${ratio(counts.tp, counts.tp + counts.fp)} | ${ratio(counts.tp, counts.tp + counts.fn)} | ${Number.isFinite(f1) ? f1.toFixed(3) : '—'} | ${ratio(counts.fp, counts.fp + counts.tn)} | ${counts.tp + counts.fn} / ${counts.fp + counts.tn} |`;
}

export const metricsHeader = ['| set, risk score | precision | recall | F1 | false-positive rate | positives / negatives |', '|---|---:|---:|---:|---:|---:|'];

export function groupLabel(item: Example): string {
  return `${item.group}${item.borderline === true ? ' (borderline)' : ''}`;
}

/** A model on some examples, at both operating points, with the share flagged per group. */
export function evaluate(model: LinearModel, examples: readonly Example[], vectoriser: Vectoriser): EvaluationReport {
  const scored = examples.map((item) => ({ item, label: item.label, score: riskScore(model.probability(vectoriser.vector(item.text)), model.header) }));
  const groups: Record<string, RateCounts> = {};
  for (const { item, score } of scored) {
    const group = (groups[groupLabel(item)] ??= { flagged: 0, total: 0 });
    group.total++;
    if (score >= 0.5) group.flagged++;
  }
  return { warn: confusion(scored, 0.5), block: confusion(scored, 0.8), groups };
}
