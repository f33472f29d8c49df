import { z } from 'zod';
import { caseRandom, defineStrategy, rewritePayload, seedOption } from './strategy.js';

/** Each cased letter upper or lower case at random (`iGnORe PreVIous`). Scripts without case yield no case. */
export const casingNoiseStrategy = defineStrategy({
  name: 'casing_noise',
  description: 'Randomises the case of every letter.',
  optionsSchema: z.strictObject({ seed: seedOption }),
  apply(evalCase, options) {
    const random = caseRandom(evalCase, options.seed);
    return rewritePayload(evalCase, {
      strategy: 'casing_noise',
      rewrite: (text) => text.replace(/\p{L}/gu, (letter) => (random() < 0.5 ? letter.toUpperCase() : letter.toLowerCase())),
    });
  },
});
