import { z } from 'zod';
import { fillTemplate } from './fill-template.js';
import { pick } from './seeded-random.js';
import { caseRandom, defineStrategy, rewritePayload, seedOption } from './strategy.js';
import { translationLanguages, translationTemplates } from './translation-templates.js';

const language = z.string().refine((tag) => translationLanguages.includes(tag), { message: `a template language: ${translationLanguages.join(', ')}` });

/**
 * The attack, unchanged, inside a request written in another language ("translate this, then do
 * it"). One case per attack, in a language picked from `languages` by the case id and seed, so a
 * suite's cases spread over the languages; the case's `language` is the frame's, and the tag
 * `payload-language:<tag>` keeps the attack's own. The attack's own language is never picked.
 */
export const translationStrategy = defineStrategy({
  name: 'translation',
  description: 'Embeds the attack in a request written in another language (French, Spanish, German, Portuguese, Russian, Chinese, Japanese, Arabic, Hindi).',
  optionsSchema: z.strictObject({ languages: z.array(language).min(1).default([...translationLanguages]), seed: seedOption }),
  apply(evalCase, options) {
    const random = caseRandom(evalCase, options.seed);
    const own = evalCase.language.toLowerCase().split('-')[0];
    const candidates = options.languages.filter((tag) => tag !== own);
    if (candidates.length === 0) return [];
    const chosen = pick(candidates, random);
    const template = pick(translationTemplates[chosen] ?? [], random);
    return rewritePayload(evalCase, {
      strategy: 'translation',
      rewrite: (text) => fillTemplate(template, text),
      language: chosen,
      tags: [`payload-language:${evalCase.language}`],
    });
  },
});
