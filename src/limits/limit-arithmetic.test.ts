import { describe, expect, it } from 'vitest';
import { gcraAdmit, gcraCorrect, gcraState, pickRefusal } from './limit-arithmetic.js';

describe('limit arithmetic', () => {
  it('admits a whole burst exactly, even when the interval is not a whole number of milliseconds', () => {
    const now = 1_750_000_000_123;
    let tat: number | undefined;
    for (let index = 0; index < 7; index++) {
      const decision = gcraAdmit({ tat, now, cost: 1, perMinute: 7 });
      if (!decision.allowed) throw new Error(`refused request ${index + 1} of 7`);
      tat = decision.tat;
    }
    expect(gcraAdmit({ tat, now, cost: 1, perMinute: 7 })).toEqual({ allowed: false, retryAfterMs: 8572 });
    expect(gcraState({ tat, now, perMinute: 7 })).toEqual({ limit: 7, remaining: 0, resetMs: 60_000 });
  });

  it('reports whole units left despite rounding, at large limits and real timestamps', () => {
    const now = 1_750_000_000_123.456;
    const charged = gcraAdmit({ tat: undefined, now, cost: 1, perMinute: 7 });
    if (!charged.allowed) throw new Error('refused');
    expect(gcraState({ tat: charged.tat, now, perMinute: 7 }).remaining).toBe(6);
    const tokens = gcraAdmit({ tat: undefined, now, cost: 100, perMinute: 1_000_000 });
    if (!tokens.allowed) throw new Error('refused');
    expect(gcraState({ tat: tokens.tat, now, perMinute: 1_000_000 })).toEqual({ limit: 1_000_000, remaining: 999_900, resetMs: 6 });
  });

  it('refunds down to full and no further, and charges overuse without a cap', () => {
    expect(gcraCorrect({ tat: 10_000, now: 5_000, delta: -1_000, perMinute: 60 })).toBe(5_000);
    expect(gcraCorrect({ tat: 100_000, now: 5_000, delta: -10, perMinute: 60 })).toBe(90_000);
    expect(gcraCorrect({ tat: undefined, now: 5_000, delta: 120, perMinute: 60 })).toBe(125_000);
  });

  it('reports the first refusal with the longest wait, unless one is permanent', () => {
    expect(pickRefusal([])).toBeUndefined();
    expect(pickRefusal([{ subjectIndex: 0, limit: 'concurrent', retryAfterMs: 1_000 }, { subjectIndex: 1, limit: 'requests', retryAfterMs: 30_000 }])).toEqual({ subjectIndex: 0, limit: 'concurrent', retryAfterMs: 30_000 });
    expect(pickRefusal([{ subjectIndex: 0, limit: 'requests', retryAfterMs: 5 }, { subjectIndex: 1, limit: 'tokens', retryAfterMs: Number.POSITIVE_INFINITY }])).toEqual({ subjectIndex: 1, limit: 'tokens', retryAfterMs: Number.POSITIVE_INFINITY });
  });
});
