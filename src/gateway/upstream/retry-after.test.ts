import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('reads seconds, fractional seconds and milliseconds', () => {
    expect(parseRetryAfter({ 'retry-after': '3' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': '0.25' }, now)).toBe(250);
    expect(parseRetryAfter({ 'retry-after-ms': '120' }, now)).toBe(120);
  });

  it('prefers retry-after-ms, the more precise of the two', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '120', 'retry-after': '1' }, now)).toBe(120);
  });

  it('reads an HTTP date, and a past date as no wait', () => {
    expect(parseRetryAfter({ 'retry-after': 'Sun, 01 Mar 2026 12:00:05 GMT' }, now)).toBe(5000);
    expect(parseRetryAfter({ 'retry-after': 'Sun, 01 Mar 2026 11:00:00 GMT' }, now)).toBe(0);
  });

  it('ignores absent, empty, negative and unreadable values', () => {
    expect(parseRetryAfter({}, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-4' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after-ms': 'x', 'retry-after': '2' }, now)).toBe(2000);
  });
});
