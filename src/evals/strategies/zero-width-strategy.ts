import { z } from 'zod';
import { pick } from './seeded-random.js';
import { caseRandom, defineStrategy, rewritePayload, seedOption } from './strategy.js';

/** Zero-width space, non-joiner, joiner and word joiner: invisible, but they split words for a naive matcher. */
export const zeroWidthCharacters: readonly string[] = ['\u200b', '\u200c', '\u200d', '\u2060'];

/** Invisible characters between letters, at each letter pair with probability `rate`. */
export const zeroWidthStrategy = defineStrategy({
  name: 'zero_width',
  description: 'Inserts invisible zero-width characters between letters.',
  optionsSchema: z.strictObject({ rate: z.number().min(0).max(1).default(0.5), seed: seedOption }),
  apply(evalCase, options) {
    const random = caseRandom(evalCase, options.seed);
    return rewritePayload(evalCase, {
      strategy: 'zero_width',
      rewrite: (text) => text.replace(/(\p{L})(?=\p{L})/gu, (letter: string) => (random() < options.rate ? `${letter}${pick(zeroWidthCharacters, random)}` : letter)),
    });
  },
});
