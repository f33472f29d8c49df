import { z } from 'zod';
import type { DetectorHit, Span } from '../../core/finding.js';
import { NormalizedText, type ScanTarget } from '../../text/normalized-text.js';
import { defineDetector, type RequestContext } from '../define-detector.js';
import { letterSkeleton, skeletonEnd } from '../letter-skeleton.js';
import { VerbatimIndex } from '../verbatim-index.js';
import { wordSequence } from './word-sequence.js';

/** A canary with fewer letters and digits than this could turn up by chance across words: it is ignored. */
export const minCanaryLength = 8;
/** Characters of the system prompt that are indexed (its beginning), which bounds the work per request. */
export const maxPromptChars = 262_144;
/** Hits per category per text; the spans of any further ones are added to the last. */
const maxHitsPerCategory = 64;

interface PromptIndex {
  vocabulary: Map<string, number>;
  shingles: VerbatimIndex;
  words: number;
}

/** What one request's context compiles to; built on first use and kept as long as the request object lives. */
interface RequestIndex {
  /** What was indexed: a request object changed after its first check is indexed again. */
  from: { canary: unknown; systemPrompt: unknown };
  canary: VerbatimIndex | undefined;
  prompt: PromptIndex | undefined;
}

const configSchema = z
  .object({
    /** A stretch of the system prompt is reported when its folded form is at least this long… */
    min_chars: z.number().int().min(0).max(100_000).default(80),
    /** …and at least this many words: also the shingle size, so the shortest copy ever considered. */
    min_words: z.number().int().min(3).max(1000).default(6),
  })
  .strict()
  .transform((config) => ({
    minChars: config.min_chars,
    minWords: config.min_words,
    // Keyed by the request object, so a check with several texts (or a stream's repeated checks)
    // indexes its system prompt once; entries go with the request.
    requests: new WeakMap<RequestContext, RequestIndex>(),
  }));

type PromptLeakConfig = z.output<typeof configSchema>;

function indexCanary(canary: unknown): VerbatimIndex | undefined {
  if (typeof canary !== 'string') return undefined;
  const skeleton = letterSkeleton(new NormalizedText(canary).folded.text);
  return skeleton.codes.length < minCanaryLength ? undefined : new VerbatimIndex(skeleton.codes, skeleton.codes.length);
}

function indexPrompt(systemPrompt: unknown, minWords: number): PromptIndex | undefined {
  if (typeof systemPrompt !== 'string') return undefined;
  const vocabulary = new Map<string, number>();
  const words = wordSequence(new NormalizedText(systemPrompt.slice(0, maxPromptChars)).folded.text, { vocabulary, grow: true });
  if (words.ids.length < minWords) return undefined;
  return { vocabulary, shingles: new VerbatimIndex(words.ids, minWords), words: words.ids.length };
}

function indexFor(request: RequestContext, config: PromptLeakConfig): RequestIndex {
  let index = config.requests.get(request);
  if (index === undefined || index.from.canary !== request.canary || index.from.systemPrompt !== request.systemPrompt) {
    index = {
      from: { canary: request.canary, systemPrompt: request.systemPrompt },
      canary: indexCanary(request.canary),
      prompt: indexPrompt(request.systemPrompt, config.minWords),
    };
    config.requests.set(request, index);
  }
  return index;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function findCanary(options: { target: ScanTarget; canary: VerbatimIndex; original: string; exact: string }): DetectorHit[] {
  const { target } = options;
  const skeleton = letterSkeleton(target.text);
  return options.canary.findRuns(skeleton.codes).map((run) => {
    const span = target.span(skeleton.positions[run.start] as number, skeletonEnd(skeleton, run.end - 1));
    const form = target.encoding !== undefined ? 'encoded' : options.original.slice(span.start, span.end) === options.exact ? 'exact' : 'obfuscated';
    const hit: DetectorHit = {
      category: 'prompt_leak.canary',
      score: form === 'exact' ? 1 : 0.95,
      severity: 'critical',
      spans: [span],
      evidence: { form },
      label: 'CANARY',
    };
    if (target.encoding !== undefined) hit.encoding = target.encoding;
    return hit;
  });
}

/**
 * A stretch at the threshold scores 0.65 (above the warning point); each doubling of its length
 * adds 0.1, up to 0.95; half or more of the system prompt scores at least 0.9.
 */
function stretchScore(options: { chars: number; minChars: number; share: number }): number {
  const lengthScore = 0.65 + 0.1 * Math.log2(Math.max(1, options.chars / Math.max(options.minChars, 40)));
  return round2(Math.min(0.95, Math.max(lengthScore, options.share >= 0.5 ? 0.9 : 0)));
}

function findPromptStretches(options: { target: ScanTarget; prompt: PromptIndex; minChars: number }): DetectorHit[] {
  const { target, prompt } = options;
  const words = wordSequence(target.text, { vocabulary: prompt.vocabulary, grow: false });
  const hits: DetectorHit[] = [];
  for (const run of prompt.shingles.findRuns(words.ids)) {
    const start = words.starts[run.start] as number;
    const end = words.ends[run.end - 1] as number;
    const chars = end - start;
    if (chars < options.minChars) continue;
    const count = run.end - run.start;
    const share = Math.min(1, count / prompt.words);
    const hit: DetectorHit = {
      category: 'prompt_leak.system_prompt',
      score: stretchScore({ chars, minChars: options.minChars, share }),
      severity: 'high',
      spans: [target.span(start, end)],
      evidence: { words: count, chars, prompt_share: round2(share) },
      label: 'SYSTEM_PROMPT',
    };
    if (target.encoding !== undefined) hit.encoding = target.encoding;
    hits.push(hit);
  }
  return hits;
}

/** At most `maxHitsPerCategory` hits per category; the spans of the rest join the last one kept, so a policy that rewrites still covers them. */
function capHits(hits: DetectorHit[]): DetectorHit[] {
  if (hits.length <= maxHitsPerCategory) return hits;
  const kept = hits.slice(0, maxHitsPerCategory);
  const last = kept[maxHitsPerCategory - 1] as DetectorHit;
  const spans: Span[] = hits.slice(maxHitsPerCategory - 1).flatMap((hit) => hit.spans);
  const score = Math.max(...hits.slice(maxHitsPerCategory - 1).map((hit) => hit.score));
  kept[maxHitsPerCategory - 1] = { ...last, score, spans, evidence: { ...last.evidence, merged: hits.length - maxHitsPerCategory + 1 } };
  return kept;
}

export const promptLeakDetector = defineDetector({
  id: 'prompt_leak',
  description:
    "The answer gives away the system prompt: the request's canary token (also spaced out, look-alike or encoded), or a long verbatim stretch of the system prompt. Needs the check's request context; without it, reports nothing.",
  stages: ['output'],
  configSchema,
  run(input, config, context) {
    const request = context.request;
    if (request === undefined) return [];
    const index = indexFor(request, config);
    if (index.canary === undefined && index.prompt === undefined) return [];
    const canaryHits: DetectorHit[] = [];
    const promptHits: DetectorHit[] = [];
    for (const target of input.text.targets('folded')) {
      if (index.canary !== undefined) {
        canaryHits.push(...findCanary({ target, canary: index.canary, original: input.text.original, exact: request.canary as string }));
      }
      if (index.prompt !== undefined) promptHits.push(...findPromptStretches({ target, prompt: index.prompt, minChars: config.minChars }));
    }
    return [...capHits(canaryHits), ...capHits(promptHits)];
  },
});
