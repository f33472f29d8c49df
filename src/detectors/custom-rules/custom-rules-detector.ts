import { z } from 'zod';
import { severities, type DetectorHit, type Evidence } from '../../core/finding.js';
import { NormalizedText } from '../../text/normalized-text.js';
import { defineDetector } from '../define-detector.js';
import { linearPattern } from '../linear-pattern.js';

/**
 * Matches reported per pattern per text. Each search is linear, but finding all matches of a
 * pattern like `a+b|a` rescans ahead for every match; the cap keeps the total linear.
 */
export const maxMatchesPerPattern = 64;

const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'start with a lower-case letter; then letters, digits, "_" and "-"'),
    /** Dotted category for policy rules to match; defaults to `custom.<id>`. */
    category: z.string().regex(/^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/, 'use dotted lower-case words, e.g. "confidential.codename"').optional(),
    /** Matched on the folded view: case, spacing, look-alikes and leetspeak do not evade them. */
    keywords: z.array(z.string().trim().min(1, 'a keyword cannot be empty')).default([]),
    patterns: z.array(linearPattern).default([]),
    /** Which view the patterns see: `clean` (default: invisibles removed, case kept), `original` or `folded`. */
    patterns_on: z.enum(['clean', 'original', 'folded']).default('clean'),
    case_sensitive: z.boolean().default(false),
    score: z.number().min(0).max(1).default(0.9),
    severity: z.enum(severities).default('medium'),
    label: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'start with an upper-case letter; then upper-case letters, digits and "_"').optional(),
  })
  .strict()
  .refine((rule) => rule.keywords.length + rule.patterns.length > 0, { message: 'a rule needs at least one keyword or pattern' });

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Scripts written with spaces between words, where a keyword must not match inside a longer word. */
const spacedScript = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Georgian}\p{N}]/u;

/**
 * Keywords are literals, so a native expression over their escaped, folded forms is safe and
 * fast. Leetspeak "1" folds to "i" but may have stood for "l", so either letter matches either.
 * Word boundaries apply only at edges written in spaced scripts (not inside Chinese or Thai).
 */
function keywordExpression(keywords: readonly string[]): RegExp | null {
  if (keywords.length === 0) return null;
  const alternatives = keywords.map((keyword) => {
    const folded = new NormalizedText(keyword).folded.text;
    const body = escapeRegExp(folded).replace(/[il]/g, '[il]');
    const before = spacedScript.test(folded.slice(0, 1)) ? '(?<![\\p{L}\\p{N}])' : '';
    const after = spacedScript.test(folded.slice(-1)) ? '(?![\\p{L}\\p{N}])' : '';
    return `${before}${body}${after}`;
  });
  return new RegExp(`(?:${alternatives.join('|')})`, 'gu');
}

const configSchema = z
  .object({ rules: z.array(ruleSchema).default([]) })
  .strict()
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) context.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  })
  .transform((config) => ({
    rules: config.rules.map((rule) => ({ ...rule, keywordExpression: keywordExpression(rule.keywords) })),
  }));

export const customRulesDetector = defineDetector({
  id: 'custom_rules',
  description: "The policy's own keyword lists and regular expressions; patterns run on a linear-time engine (RE2JS).",
  stages: ['input', 'output'],
  configSchema,
  run(input, config) {
    const hits: DetectorHit[] = [];
    for (const rule of config.rules) {
      const base = {
        category: rule.category ?? `custom.${rule.id}`,
        score: rule.score,
        severity: rule.severity,
        label: rule.label ?? rule.id.toUpperCase().replace(/-/g, '_'),
      };
      if (rule.keywordExpression !== null) {
        for (const target of input.text.targets('folded')) {
          for (const match of target.text.matchAll(rule.keywordExpression)) {
            const hit: DetectorHit = { ...base, spans: [target.span(match.index, match.index + match[0].length)], evidence: { rule: rule.id, kind: 'keyword' } };
            if (target.encoding !== undefined) hit.encoding = target.encoding;
            hits.push(hit);
          }
        }
      }
      rule.patterns.forEach((pattern, index) => {
        const compiled = rule.case_sensitive ? pattern.sensitive : pattern.insensitive;
        for (const target of input.text.targets(rule.patterns_on)) {
          const matcher = compiled.matcher(target.text);
          let matches = 0;
          while (matches < maxMatchesPerPattern && matcher.find()) {
            const start = matcher.start();
            const end = matcher.end();
            if (end === start) continue; // a zero-width match (e.g. only \b) covers nothing
            matches++;
            const capped = matches === maxMatchesPerPattern;
            const evidence: Evidence = capped ? { rule: rule.id, kind: 'pattern', pattern: index, capped } : { rule: rule.id, kind: 'pattern', pattern: index };
            const hit: DetectorHit = { ...base, spans: [target.span(start, end)], evidence };
            if (target.encoding !== undefined) hit.encoding = target.encoding;
            hits.push(hit);
          }
        }
      });
    }
    return hits;
  },
});
