import { z } from 'zod';
import { pick } from './seeded-random.js';
import { caseRandom, defineStrategy, rewritePayload, seedOption } from './strategy.js';

/** Latin letters and the Cyrillic and Greek letters that look the same in most fonts. */
export const homoglyphs: Readonly<Record<string, readonly string[]>> = {
  a: ['\u0430'],
  c: ['\u0441', '\u03f2'],
  e: ['\u0435'],
  i: ['\u0456'],
  j: ['\u0458'],
  o: ['\u043e', '\u03bf'],
  p: ['\u0440', '\u03c1'],
  s: ['\u0455'],
  x: ['\u0445', '\u03c7'],
  y: ['\u0443'],
  A: ['\u0410', '\u0391'],
  B: ['\u0412', '\u0392'],
  C: ['\u0421'],
  E: ['\u0415', '\u0395'],
  H: ['\u041d', '\u0397'],
  I: ['\u0406', '\u0399'],
  K: ['\u041a', '\u039a'],
  M: ['\u041c', '\u039c'],
  N: ['\u039d'],
  O: ['\u041e', '\u039f'],
  P: ['\u0420', '\u03a1'],
  T: ['\u0422', '\u03a4'],
  X: ['\u0425', '\u03a7'],
  Y: ['\u03a5'],
  Z: ['\u0396'],
};

/** Latin letters swapped for Cyrillic or Greek look-alikes, each with probability `rate`. */
export const homoglyphStrategy = defineStrategy({
  name: 'homoglyphs',
  description: 'Swaps Latin letters for Cyrillic and Greek look-alikes (а, е, о, р, Α, Τ…), which simple keyword filters miss.',
  optionsSchema: z.strictObject({ rate: z.number().min(0).max(1).default(0.5), seed: seedOption }),
  apply(evalCase, options) {
    const random = caseRandom(evalCase, options.seed);
    return rewritePayload(evalCase, {
      strategy: 'homoglyphs',
      rewrite: (text) =>
        text.replace(/[A-Za-z]/g, (letter) => {
          const candidates = homoglyphs[letter];
          return candidates !== undefined && random() < options.rate ? pick(candidates, random) : letter;
        }),
    });
  },
});
