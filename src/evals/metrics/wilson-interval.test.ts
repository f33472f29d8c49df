import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson-interval.js';

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i is %f–%f as Newcombe tabulates it', (successes, total, lower, upper) => {
    const interval = wilsonInterval(successes, total);
    expect(interval?.lower).toBeCloseTo(lower, 4);
    expect(interval?.upper).toBeCloseTo(upper, 4);
  });

  it('is exactly 0 at 0/n and exactly 1 at n/n, with the closed-form other end', () => {
    const z2 = 1.959963984540054 ** 2;
    for (const n of [1, 2, 10, 1000]) {
      const none = wilsonInterval(0, n);
      const all = wilsonInterval(n, n);
      expect(none?.lower).toBe(0);
      expect(none?.upper).toBeCloseTo(z2 / (n + z2), 12);
      expect(all?.upper).toBe(1);
      expect(all?.lower).toBeCloseTo(n / (n + z2), 12);
    }
  });

  it('is symmetric around one half', () => {
    const interval = wilsonInterval(5, 10);
    expect(interval?.lower).toBeCloseTo(0.2366, 4);
    expect(interval?.upper).toBeCloseTo(0.7634, 4);
    expect((interval?.lower ?? 0) + (interval?.upper ?? 0)).toBeCloseTo(1, 12);
  });

  it('is null when nothing was measured and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });
});
