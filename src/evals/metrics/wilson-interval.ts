/** The normal quantile for a two-sided 95 % interval. */
const z95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * The Wilson score interval for `successes` out of `total` at 95 % confidence. It is used rather
 * than the normal (Wald) interval because eval slices are small and rates sit near 0 or 1, where
 * Wald collapses to a zero-width interval at 0/n and n/n. Those two ends are set exactly (0 and 1)
 * rather than left to floating-point cancellation. `null` when there is nothing to estimate (n = 0).
 */
export function wilsonInterval(successes: number, total: number): Interval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(total) || successes < 0 || successes > total) {
    throw new RangeError(`wilsonInterval needs whole numbers 0 ≤ successes ≤ total, got ${successes}/${total}`);
  }
  if (total === 0) return null;
  const p = successes / total;
  const z2 = z95 * z95;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (z95 / denominator) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === total ? 1 : Math.min(1, centre + half),
  };
}
