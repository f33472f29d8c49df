import type { Example } from './task-data.js';

/**
 * Benign texts that look most like attacks: instruction-style prompts and requests of another
 * kind. They are few, and over-refusal is learnt from them, so they count triple. Our own
 * look-alikes are not boosted: they are templated, and boosted templates teach the template's
 * wording ("give me detailed instructions to …") instead of its content. Benign texts in languages other than English count ten times: the attack data is the
 * main source of those languages, and without them a model learns "Chinese means attack".
 */
export const hardNegativeGroups: ReadonlySet<string> = new Set(['benign:self-instruct', 'benign:deepset-legitimate', 'other:harmful-requests']);
const hardNegativeBoost = 3;
const otherLanguageBoost = 10;

function negativeBoost(item: Example): number {
  if (item.label !== 0) return 1;
  if (item.lang !== undefined && item.lang !== 'en' && item.lang !== 'English') return otherLanguageBoost;
  return hardNegativeGroups.has(item.group) ? hardNegativeBoost : 1;
}

/**
 * Weights so that positives and negatives carry equal total weight, and within each side every
 * group carries weight proportional to the square root of its size: the large benign pools
 * still count most, but small hard-negative groups and small attack sources are not drowned.
 * (The boosts above come on top; the two sides then no longer weigh exactly the same.)
 */
export function balancedWeights(examples: readonly Example[]): number[] {
  const sizes = new Map<string, number>();
  for (const item of examples) sizes.set(`${item.label}:${item.group}`, (sizes.get(`${item.label}:${item.group}`) ?? 0) + 1);
  const sideTotals = [0, 0];
  for (const [key, size] of sizes) sideTotals[Number(key[0])] = (sideTotals[Number(key[0])] as number) + Math.sqrt(size);
  return examples.map((item) => {
    const size = sizes.get(`${item.label}:${item.group}`) as number;
    return (negativeBoost(item) * Math.sqrt(size)) / (sideTotals[item.label] as number) / size;
  });
}
