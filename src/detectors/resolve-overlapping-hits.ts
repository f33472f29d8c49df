import type { DetectorHit } from '../core/finding.js';

/**
 * One report per stretch of text: where two hits of a detector overlap (a card number that also
 * parses as a phone; a JWT inside a `token=` assignment), the stronger hit is kept and its span
 * widened to cover both, so rewriting it leaves no part of either behind.
 */
export function resolveOverlappingHits(hits: readonly DetectorHit[]): DetectorHit[] {
  if (hits.length < 2) return [...hits];
  const first = (hit: DetectorHit) => hit.spans[0] ?? { start: 0, end: 0 };
  const sorted = [...hits].sort((a, b) => first(a).start - first(b).start || first(b).end - first(a).end);
  const kept: DetectorHit[] = [];
  for (const hit of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || first(hit).start >= first(last).end) {
      kept.push(hit);
      continue;
    }
    const span = { start: Math.min(first(last).start, first(hit).start), end: Math.max(first(last).end, first(hit).end) };
    const stronger = hit.score > last.score ? hit : last;
    kept[kept.length - 1] = { ...stronger, spans: [span] };
  }
  return kept;
}
