import { z } from 'zod';
import { sourceRoles, type DetectorHit, type SourceRole, type Span } from '../../core/finding.js';
import { defineDetector, type RequestContext } from '../define-detector.js';
import type { VerbatimIndex } from '../verbatim-index.js';
import { allowedDomainsSchema } from './allowed-domains.js';
import { constructHits, unresolvedHits, verdictOf, type Verdict } from './construct-verdict.js';
import { indexConversation } from './conversation-index.js';
import { findUrlConstructs } from './find-url-constructs.js';

/** Hits per category per text; the spans of any further ones are added to the last, so a rewrite still covers them. */
const maxHitsPerCategory = 64;
/**
 * Distinct URLs resolved per text. Past it, URLs are not resolved: images count as external
 * (a text built to exhaust the limit must not get an image through) and links are reported as
 * unresolved links.
 */
export const maxResolvedUrls = 1024;

const configSchema = z
  .object({
    /** Hosts URLs may point to: `docs.example.com` exactly, `*.example.com` for its sub-domains. Empty: every host is outside. */
    allow_domains: allowedDomainsSchema,
    /** `flag_external`: images from hosts outside the list; `flag_all`: every image (text-only interfaces); `off`. */
    images: z.enum(['flag_external', 'flag_all', 'off']).default('flag_external'),
    links: z.enum(['flag_external', 'off']).default('flag_external'),
    /** Report URLs to outside hosts that carry data (blobs, random values, sentences, the conversation's words). */
    data_in_url: z.boolean().default(true),
    /** Letters and digits of the conversation a URL must hold to count as carrying it. */
    conversation_min_chars: z.number().int().min(12).max(1000).default(20),
    /** Also read code spans and fenced code blocks, which Markdown renders as text. */
    scan_code: z.boolean().default(false),
    /** Sources read at the input stage (tool results and retrieved documents can carry a planted image). */
    input_sources: z.array(z.enum(sourceRoles)).min(1).default(['tool', 'retrieved']),
  })
  .strict()
  .transform((config) => ({
    allowed: config.allow_domains,
    images: config.images,
    links: config.links,
    dataInUrl: config.data_in_url,
    conversationMinChars: config.conversation_min_chars,
    scanCode: config.scan_code,
    inputSources: new Set<SourceRole>(config.input_sources),
    // Keyed by the request object: a check of several texts indexes its conversation once.
    conversations: new WeakMap<RequestContext, { from: string; index: VerbatimIndex | undefined }>(),
  }));

type ExfiltrationConfig = z.output<typeof configSchema>;

function conversationIndex(request: RequestContext | undefined, config: ExfiltrationConfig): VerbatimIndex | undefined {
  const conversation = request?.conversation;
  if (request === undefined || typeof conversation !== 'string') return undefined;
  let cached = config.conversations.get(request);
  if (cached === undefined || cached.from !== conversation) {
    cached = { from: conversation, index: indexConversation(conversation, config.conversationMinChars) };
    config.conversations.set(request, cached);
  }
  return cached.index;
}

/** At most `maxHitsPerCategory` hits per category: the spans of the rest join the last one kept, with the highest score among them. */
function capHits(hits: DetectorHit[]): DetectorHit[] {
  const counts = new Map<string, number>();
  const overflow = new Map<string, DetectorHit>();
  const kept: DetectorHit[] = [];
  for (const hit of hits) {
    const count = (counts.get(hit.category) ?? 0) + 1;
    counts.set(hit.category, count);
    if (count < maxHitsPerCategory) {
      kept.push(hit);
      continue;
    }
    const merged = overflow.get(hit.category);
    if (merged === undefined) {
      const copy = { ...hit, spans: [...hit.spans] };
      overflow.set(hit.category, copy);
      kept.push(copy);
    } else {
      for (const span of hit.spans) merged.spans.push(span);
      if (hit.score > merged.score) merged.score = hit.score;
    }
  }
  for (const [category, merged] of overflow) merged.evidence = { ...merged.evidence, merged: (counts.get(category) as number) - maxHitsPerCategory + 1 };
  return kept;
}

/** The spans of the constructs found in the text itself, to ask whether a decoded payload overlaps one. */
class CoveredSpans {
  readonly #spans: Span[] = [];
  #starts: number[] = [];
  /** Largest end among the spans up to each position, in start order. */
  #reach: number[] = [];
  #sorted = true;

  add(span: Span): void {
    this.#spans.push(span);
    this.#sorted = false;
  }

  overlaps(span: Span): boolean {
    if (this.#spans.length === 0) return false;
    if (!this.#sorted) {
      this.#spans.sort((a, b) => a.start - b.start);
      this.#starts = this.#spans.map((each) => each.start);
      let reach = -1;
      this.#reach = this.#spans.map((each) => (reach = Math.max(reach, each.end)));
      this.#sorted = true;
    }
    // The last span starting before `span` ends: it, or one before it, reaching past `span.start` overlaps.
    let low = 0;
    let high = this.#starts.length - 1;
    let last = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.#starts[middle] as number) < span.end) {
        last = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return last >= 0 && (this.#reach[last] as number) > span.start;
  }
}

export const exfiltrationDetector = defineDetector({
  id: 'exfiltration',
  description:
    "URLs that send data out when an answer is rendered: Markdown and HTML images to hosts outside the allow-list (fetched with no click), links to such hosts, and URLs carrying encoded data or the conversation's own words.",
  stages: ['input', 'output'],
  configSchema,
  run(input, config, context) {
    if (input.stage === 'input' && !config.inputSources.has(input.source)) return [];
    if (config.images === 'off' && config.links === 'off' && !config.dataInUrl) return [];
    const conversation = (): VerbatimIndex | undefined => conversationIndex(context.request, config);
    const hits: DetectorHit[] = [];
    const covered = new CoveredSpans();
    // Per distinct URL list: answers often repeat a link, and resolving is the costly part.
    const verdicts = new Map<string, Verdict>();
    for (const target of input.text.targets('clean')) {
      // A decoded payload that overlaps a construct already found (a percent-encoded URL decodes to itself) says nothing new.
      if (target.encoding !== undefined && covered.overlaps(target.span(0, target.text.length))) continue;
      for (const construct of findUrlConstructs(target.text, { skipCode: !config.scanCode })) {
        const spans = [target.span(construct.range.start, construct.range.end)];
        if (construct.definition !== undefined) spans.push(target.span(construct.definition.start, construct.definition.end));
        if (target.encoding === undefined) for (const span of spans) covered.add(span);
        const key = construct.urls.length === 1 ? (construct.urls[0] as string) : construct.urls.join('\n');
        let verdict = verdicts.get(key);
        if (verdict === undefined && verdicts.size < maxResolvedUrls) verdicts.set(key, (verdict = verdictOf(construct.urls, { settings: config, conversation })));
        const found = verdict === undefined ? unresolvedHits({ construct, spans, settings: config }) : constructHits({ construct, spans, verdict, settings: config });
        for (const hit of found) {
          if (target.encoding !== undefined) hit.encoding = target.encoding;
          hits.push(hit);
        }
      }
    }
    return capHits(hits);
  },
});
