import { textHash } from './seeded-random.js';

/** Eight-word runs: long enough that sharing one is copying, not coincidence. */
export const shingleLength = 8;

/** Lower-case words, punctuation dropped; marks stay with their letters (Devanagari vowel signs). */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ').trim().split(' ').filter(Boolean);
}

export function shingles(list: readonly string[]): string[] {
  const result: string[] = [];
  for (let index = 0; index + shingleLength <= list.length; index++) result.push(list.slice(index, index + shingleLength).join(' '));
  return result;
}

/** 53 bits from two 32-bit hashes: with millions of runs indexed, 32 bits alone would collide. */
export function shingleKey(shingle: string): number {
  return textHash(shingle) * 2 ** 21 + (textHash(`~${shingle}`) & 0x1fffff);
}

/** An index of texts by their whole normalised form and their eight-word runs. */
export class ShingleIndex {
  readonly #whole = new Set<string>();
  readonly #runs = new Set<number>();

  add(text: string): void {
    const list = words(text);
    this.#whole.add(list.join(' '));
    for (const shingle of shingles(list)) this.#runs.add(shingleKey(shingle));
  }

  /** Why `text` overlaps the indexed texts (the same text, of at least `minWords` words, or a shared run), or undefined. */
  overlap(text: string, minWords = 4): string | undefined {
    const list = words(text);
    if (list.length >= minWords && this.#whole.has(list.join(' '))) return 'equals an indexed text';
    const shared = shingles(list).find((shingle) => this.#runs.has(shingleKey(shingle)));
    return shared === undefined ? undefined : `shares "${shared}"`;
  }
}
