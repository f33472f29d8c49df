import { z } from 'zod';
import type { DetectorHit, Severity, Span } from '../../core/finding.js';
import { mergeSpans } from '../../core/span.js';
import { defineDetector } from '../define-detector.js';
import { families, heuristicPatterns, type Family, type HeuristicPattern } from './pattern-families.js';

const configSchema = z
  .object({
    families: z.array(z.enum(families)).min(1).default([...families]),
    /** Pattern ids to switch off, e.g. one that misfires on a team's own traffic. */
    disabled_patterns: z
      .array(z.string().refine((id) => heuristicPatterns.some((pattern) => pattern.id === id), { message: 'no heuristic pattern has this id' }))
      .default([]),
  })
  .strict();

const familySeverity: Readonly<Record<Family, Severity>> = {
  instruction_override: 'high',
  role_switch: 'high',
  system_prompt_extraction: 'high',
  delimiter_injection: 'medium',
  encoded_payload: 'high',
};

/** An attack phrase hidden by an encoding is more suspicious than the phrase in plain sight. */
const encodingWeight = 0.3;

const wordPattern = /[a-z0-9]+/g;

/** Which patterns each gate word switches on, so a text's words are looked up once each. */
interface PatternIndex {
  byWord: ReadonlyMap<string, readonly HeuristicPattern[]>;
  byMark: readonly HeuristicPattern[];
}

function indexPatterns(patterns: readonly HeuristicPattern[]): PatternIndex {
  const byWord = new Map<string, HeuristicPattern[]>();
  for (const pattern of patterns) {
    for (const word of pattern.words ?? []) {
      const list = byWord.get(word) ?? [];
      if (!list.includes(pattern)) list.push(pattern);
      byWord.set(word, list);
    }
  }
  return { byWord, byMark: patterns.filter((pattern) => (pattern.marks?.length ?? 0) > 0) };
}

const allPatterns = indexPatterns(heuristicPatterns);
const declaredOrder: ReadonlyMap<HeuristicPattern, number> = new Map(heuristicPatterns.map((pattern, position) => [pattern, position]));

/** The patterns whose gate words or marks occur in the text, in their declared order. */
function patternsToRun(text: string): HeuristicPattern[] {
  const selected = new Set<HeuristicPattern>();
  for (const word of text.match(wordPattern) ?? []) for (const pattern of allPatterns.byWord.get(word) ?? []) selected.add(pattern);
  for (const pattern of allPatterns.byMark) if (!selected.has(pattern) && pattern.marks?.some((mark) => text.includes(mark))) selected.add(pattern);
  return [...selected].sort((a, b) => (declaredOrder.get(a) ?? 0) - (declaredOrder.get(b) ?? 0));
}

interface FamilyEvidence {
  weights: Map<string, number>;
  spans: Span[];
  encoding?: string;
}

function combined(weights: Iterable<number>): number {
  let miss = 1;
  for (const weight of weights) miss *= 1 - weight;
  return Math.round((1 - miss) * 1000) / 1000;
}

export const promptInjectionHeuristicsDetector = defineDetector({
  id: 'prompt_injection_heuristics',
  description:
    'Prompt-injection language in pattern families (instruction override, role/persona switch, system-prompt extraction, delimiter injection, encoded payloads), matched on normalised and decoded text.',
  stages: ['input', 'output'],
  configSchema,
  run(input, config) {
    const enabled = new Set(config.families);
    const disabled = new Set(config.disabled_patterns);
    const evidence = new Map<Family, FamilyEvidence>();
    for (const target of input.text.targets('folded')) {
      const text = target.text;
      if (text.length === 0) continue;
      for (const pattern of patternsToRun(text)) {
        if (!enabled.has(pattern.family) || disabled.has(pattern.id)) continue;
        for (const match of text.matchAll(pattern.pattern)) {
          // Attack language inside a decoded payload is reported as an encoded payload.
          const family: Family = target.encoding === undefined ? pattern.family : 'encoded_payload';
          if (!enabled.has(family)) continue;
          let entry = evidence.get(family);
          if (entry === undefined) evidence.set(family, (entry = { weights: new Map(), spans: [] }));
          entry.weights.set(pattern.id, pattern.weight);
          entry.spans.push(target.span(match.index, match.index + match[0].length));
          if (target.encoding !== undefined) {
            entry.encoding ??= target.encoding;
            entry.weights.set(`encoded:${target.encoding}`, encodingWeight);
          }
        }
      }
    }
    const hits: DetectorHit[] = [];
    for (const [family, entry] of evidence) {
      const patternIds = [...entry.weights.keys()].filter((id) => !id.startsWith('encoded:'));
      const hit: DetectorHit = {
        category: `prompt_injection.${family}`,
        score: combined(entry.weights.values()),
        severity: familySeverity[family],
        spans: mergeSpans(entry.spans),
        evidence: { family, patterns: patternIds.join(','), matches: entry.spans.length },
      };
      if (entry.encoding !== undefined) hit.encoding = entry.encoding;
      hits.push(hit);
    }
    return hits;
  },
});
