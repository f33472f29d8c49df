import { z } from 'zod';
import { caseRandom, defineStrategy, rewritePayload, seedOption } from './strategy.js';

/** The substitutions; each digit stands for one letter only, so the text can be read back. */
export const leetDigits: Readonly<Record<string, string>> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };

/** Letters written as look-alike digits (`1gn0r3`), each with probability `rate`. */
export const leetspeakStrategy = defineStrategy({
  name: 'leetspeak',
  description: 'Replaces letters by look-alike digits (a→4, e→3, i→1, o→0, s→5, t→7).',
  optionsSchema: z.strictObject({ rate: z.number().min(0).max(1).default(1), seed: seedOption }),
  apply(evalCase, options) {
    const random = caseRandom(evalCase, options.seed);
    return rewritePayload(evalCase, {
      strategy: 'leetspeak',
      rewrite: (text) => text.replace(/[aeiost]/gi, (letter) => (random() < options.rate ? (leetDigits[letter.toLowerCase()] ?? letter) : letter)),
    });
  },
});
