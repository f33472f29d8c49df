import type { ModelHeader } from './linear-model.js';

/**
 * Maps a model's calibrated probability onto Palisade's shared risk scale, piecewise linearly:
 *   probability 0 → 0;  the model's `threshold` (≤ 1 % false positives on held-out benign text)
 *   → 0.5;  its `strictThreshold` (≤ 0.1 %) → 0.8;  1 → 1.
 * Every detector's 0.5 then means "as likely to be a false alarm as this model's 1 % point",
 * so one policy rule (`min_score: 0.5` warn, `0.8` block) fits heuristics and models alike.
 */
export function riskScore(probability: number, header: Pick<ModelHeader, 'threshold' | 'strictThreshold'>): number {
  const low = header.threshold ?? 0.5;
  const high = Math.max(header.strictThreshold ?? low, low + 1e-6);
  let score: number;
  if (probability <= low) score = (0.5 * probability) / low;
  else if (probability <= high) score = 0.5 + (0.3 * (probability - low)) / (high - low);
  else score = 0.8 + (0.2 * (probability - high)) / Math.max(1e-6, 1 - high);
  // Not rounded: a probability just under an operating point must stay just under 0.5 or 0.8.
  return Math.min(1, Math.max(0, score));
}
