/**
 * Platt scaling: fits probability = sigmoid(a·logit + b) to held-out examples by Newton's method
 * on the log loss, with Platt's smoothed targets and a backtracking line search (after Lin, Lin
 * and Weng), so separable data cannot make it diverge. A fit that would reverse the order of the
 * scores (a ≤ 0) falls back to the identity.
 */
export function fitPlatt(logits: readonly number[], labels: readonly number[]): { a: number; b: number } {
  const positives = labels.filter((label) => label === 1).length;
  const negatives = labels.length - positives;
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const targets = labels.map((label) => (label === 1 ? high : low));
  const loss = (a: number, b: number): number => {
    let total = 0;
    for (let index = 0; index < logits.length; index++) {
      const z = a * (logits[index] as number) + b;
      const target = targets[index] as number;
      // log(1 + e^z) − target·z, written to stay finite for large |z|.
      total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - target * z;
    }
    return total;
  };
  let a = 0;
  let b = Math.log((negatives + 1) / (positives + 1)) * -1;
  let current = loss(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let gradientA = 0;
    let gradientB = 0;
    let hessianAA = 1e-12;
    let hessianAB = 0;
    let hessianBB = 1e-12;
    for (let index = 0; index < logits.length; index++) {
      const logit = logits[index] as number;
      const probability = 1 / (1 + Math.exp(-(a * logit + b)));
      const difference = probability - (targets[index] as number);
      const curvature = probability * (1 - probability);
      gradientA += difference * logit;
      gradientB += difference;
      hessianAA += curvature * logit * logit;
      hessianAB += curvature * logit;
      hessianBB += curvature;
    }
    if (Math.abs(gradientA) < 1e-9 && Math.abs(gradientB) < 1e-9) break;
    const determinant = hessianAA * hessianBB - hessianAB * hessianAB;
    if (!(determinant > 0)) break;
    const stepA = -(hessianBB * gradientA - hessianAB * gradientB) / determinant;
    const stepB = -(hessianAA * gradientB - hessianAB * gradientA) / determinant;
    let size = 1;
    let improved = false;
    while (size >= 1e-10) {
      const candidate = loss(a + size * stepA, b + size * stepB);
      if (candidate < current) {
        a += size * stepA;
        b += size * stepB;
        current = candidate;
        improved = true;
        break;
      }
      size /= 2;
    }
    if (!improved) break;
  }
  return a > 0 ? { a, b } : { a: 1, b: 0 };
}

/**
 * The lowest threshold at which at most `rate` of these negatives score at or above it.
 * (With n negatives, floor(rate·n) of them may be flagged.)
 */
export function thresholdForRate(negativeScores: readonly number[], rate: number): number {
  if (negativeScores.length === 0) return 0.5;
  const descending = [...negativeScores].sort((x, y) => y - x);
  const allowed = Math.floor(rate * descending.length);
  if (allowed >= descending.length) return 0;
  const boundary = descending[allowed] as number;
  // Just above the first negative that must not be flagged.
  return Math.min(1, boundary + Math.max(1e-9, boundary * 1e-9));
}

/** Groups smaller than this cannot measure a 1 % rate (it would allow no error at all), so only the pooled rate binds them. */
export const minGroupForRate = 200;

export interface NegativeGroup {
  scores: readonly number[];
  /** The task's own borderline negatives (e.g. the toxicity data's "neither" tweets), whose labels are the noisiest. */
  borderline: boolean;
}

/**
 * Operating points chosen on the calibration fold.
 * `threshold` (risk 0.5, warn): all benign texts together, and every ordinary benign group of at
 * least 200 texts, at or under 1 % false positives. The task's own borderline negatives bind it
 * only through the pool.
 * `strictThreshold` (risk 0.8, block): all benign texts together at or under 0.1 %, and every
 * group of at least 200, borderline ones included, at or under 1 %. Never below `threshold`.
 */
export function chooseThresholds(negatives: ReadonlyMap<string, NegativeGroup>): { threshold: number; strictThreshold: number } {
  const groups = [...negatives.values()];
  const pooled = groups.flatMap((group) => group.scores);
  const large = groups.filter((group) => group.scores.length >= minGroupForRate);
  const threshold = Math.max(thresholdForRate(pooled, 0.01), ...large.filter((group) => !group.borderline).map((group) => thresholdForRate(group.scores, 0.01)));
  const strictThreshold = Math.max(threshold, thresholdForRate(pooled, 0.001), ...large.map((group) => thresholdForRate(group.scores, 0.01)));
  return { threshold, strictThreshold };
}
