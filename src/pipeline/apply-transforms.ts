import { actionRank, isTransforming } from '../core/action.js';
import type { DecidedFinding } from '../core/decision.js';
import type { MaskVault } from '../core/mask-vault.js';
import type { ChatMessage, Segment } from './guard-input.js';

interface Replacement {
  start: number;
  end: number;
  action: 'mask' | 'redact';
  label: string;
}

function segmentKey(message: number | undefined, field: string | undefined): string {
  return `${message ?? -1}:${field ?? ''}`;
}

function labelOf(finding: DecidedFinding): string {
  return finding.label ?? (finding.category.split('.').pop() ?? 'REDACTED').toUpperCase();
}

/** Overlapping replacements merge into one covering both, with the stricter action, so nothing leaks at the seams. */
function mergeOverlaps(replacements: Replacement[]): Replacement[] {
  const sorted = replacements.filter((replacement) => replacement.end > replacement.start).sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Replacement[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last === undefined || next.start >= last.end) {
      merged.push({ ...next });
      continue;
    }
    last.end = Math.max(last.end, next.end);
    if (actionRank(next.action) > actionRank(last.action)) {
      last.action = next.action;
      last.label = next.label;
    }
  }
  return merged;
}

function rewrite({ text, replacements, vault }: { text: string; replacements: Replacement[]; vault: MaskVault }): string {
  let result = '';
  let cursor = 0;
  for (const { start, end, action, label } of mergeOverlaps(replacements)) {
    result += text.slice(cursor, start);
    result += action === 'redact' ? `[${label}]` : vault.placeholder(label, text.slice(start, end));
    cursor = end;
  }
  return result + text.slice(cursor);
}

/** Rewrites one text by the transforming findings whose spans are offsets into it. */
export function transformText(options: { text: string; findings: readonly DecidedFinding[]; vault: MaskVault }): string {
  const replacements: Replacement[] = [];
  for (const finding of options.findings) {
    if (!isTransforming(finding.action)) continue;
    for (const span of finding.spans) replacements.push({ start: span.start, end: span.end, action: finding.action, label: labelOf(finding) });
  }
  return replacements.length === 0 ? options.text : rewrite({ text: options.text, replacements, vault: options.vault });
}

/** A copy of `value` with the string at `path` replaced; everything off the path is shared, not copied. */
function replaceAt({ value, path, replacement }: { value: unknown; path: readonly (string | number)[]; replacement: string }): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? replaceAt({ value: item, path: rest, replacement }) : item));
  const object = value as Record<string, unknown>;
  return { ...object, [head]: replaceAt({ value: object[head], path: rest, replacement }) };
}

/**
 * Applies `redact` (`[EMAIL]`) and `mask` (`<EMAIL_1>`, remembered in the vault) to every span
 * whose finding resolved to one of them. Returns the rewritten text or messages; the input is
 * never modified in place.
 */
export function applyTransforms(options: {
  segments: readonly Segment[];
  findings: readonly DecidedFinding[];
  messages?: readonly ChatMessage[];
  vault: MaskVault;
}): { text?: string; messages?: ChatMessage[] } {
  const bySegment = new Map<string, Replacement[]>();
  for (const finding of options.findings) {
    if (!isTransforming(finding.action)) continue;
    const key = segmentKey(finding.message, finding.field);
    let list = bySegment.get(key);
    if (list === undefined) bySegment.set(key, (list = []));
    for (const span of finding.spans) list.push({ start: span.start, end: span.end, action: finding.action, label: labelOf(finding) });
  }
  if (bySegment.size === 0) return {};
  if (options.messages === undefined) {
    const segment = options.segments[0];
    const replacements = bySegment.get(segmentKey(undefined, undefined));
    return segment === undefined || replacements === undefined ? {} : { text: rewrite({ text: segment.text, replacements, vault: options.vault }) };
  }
  const messages: unknown[] = [...options.messages];
  for (const segment of options.segments) {
    const replacements = bySegment.get(segmentKey(segment.message, segment.field));
    if (replacements === undefined || segment.message === undefined || segment.path === undefined) continue;
    const replacement = rewrite({ text: segment.text, replacements, vault: options.vault });
    messages[segment.message] = replaceAt({ value: messages[segment.message], path: segment.path, replacement });
  }
  return { messages: messages as ChatMessage[] };
}
