import { confusables, leetDigits } from '../text/character-tables.js';

const letterOrDigit = /[\p{L}\p{N}]/u;

/** What each ASCII code becomes in a skeleton: the lower-case letter, a leet digit's letter, or 0 (dropped). */
const asciiSkeleton = new Int32Array(128);
for (let code = 48; code <= 57; code++) asciiSkeleton[code] = leetDigits.get(code) ?? code;
for (let code = 97; code <= 122; code++) asciiSkeleton[code] = asciiSkeleton[code - 32] = code;

/** The letters and digits of a text, with the text offset where each starts. */
export interface LetterSkeleton {
  codes: Int32Array;
  positions: Int32Array;
}

/**
 * Only the letters and digits of a (folded) text, each look-alike letter and leetspeak digit
 * written as the Latin letter it imitates, whatever its context. Spacing, punctuation and
 * markup between the characters disappear, so "C A N-A_R Y" and "**can**ary" read "canary".
 * Both sides of a comparison go through this same function, so a token made of digits still
 * matches itself ("7" and "t" both become "t").
 */
export function letterSkeleton(text: string): LetterSkeleton {
  const codes = new Int32Array(text.length);
  const positions = new Int32Array(text.length);
  let length = 0;
  let index = 0;
  while (index < text.length) {
    const start = index;
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      index++;
      code = asciiSkeleton[code] as number;
      if (code === 0) continue;
    } else {
      // A code point outside the BMP takes one slot, placed at its first unit.
      const codePoint = text.codePointAt(index) as number;
      index += codePoint > 0xffff ? 2 : 1;
      if (!letterOrDigit.test(text.slice(start, index))) continue;
      code = confusables.get(codePoint) ?? codePoint;
    }
    codes[length] = code;
    positions[length] = start;
    length++;
  }
  return { codes: codes.subarray(0, length), positions: positions.subarray(0, length) };
}

/** Text offset just after the skeleton character at `index`. */
export function skeletonEnd(skeleton: LetterSkeleton, index: number): number {
  return (skeleton.positions[index] as number) + ((skeleton.codes[index] as number) > 0xffff ? 2 : 1);
}
