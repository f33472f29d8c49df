/**
 * Words near a candidate that make it more or less likely to be what its shape suggests:
 * "card ending" raises a 16-digit number, "order number" or "ISBN" lowers it.
 */
export interface ContextWords {
  raise: readonly string[];
  lower: readonly string[];
}

const before = 48;
const after = 24;

/** Score adjustment from the words around [start, end): +raise, −lower, 0 when neither or both. */
export function contextAdjustment(options: { text: string; start: number; end: number; words: ContextWords; raise: number; lower: number }): number {
  const { text, start, end, words } = options;
  const window = (text.slice(Math.max(0, start - before), start) + ' ' + text.slice(end, end + after)).toLowerCase();
  const raised = words.raise.some((word) => window.includes(word));
  const lowered = words.lower.some((word) => window.includes(word));
  if (raised === lowered) return 0;
  return raised ? options.raise : -options.lower;
}

export function clampScore(score: number): number {
  return Math.min(0.99, Math.max(0.01, score));
}
