import { actionRank, isTransforming } from '../core/action.js';
import type { DecidedFinding } from '../core/decision.js';
import type { ChatMessage, Segment } from './guard-input.js';
import type { MaskVault } from './mask-vault.js';

interface Replacement {
  start: number;
  end: number;
  action: 'mask' | 'redact';
  label: string;
}

function segmentKey(message: number | undefined, part: number | undefined): string {
  return `${message ?? -1}:${part ?? -1}`;
}

function labelOf(finding: DecidedFinding): string {
  return finding.label ?? (finding.category.split('.').pop() ?? 'REDACTED').toUpperCase();
}

/** Overlapping replacements merge into one covering both, with the stricter action, so nothing leaks at the seams. */
function mergeOverlaps(replacements: Replacement[]): Replacement[] {
  replacements.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Replacement[] = [];
  for (const next of replacements) {
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

function rewrite(text: string, replacements: Replacement[], vault: MaskVault): string {
  let result = '';
  let cursor = 0;
  for (const { start, end, action, label } of mergeOverlaps(replacements)) {
    result += text.slice(cursor, start);
    result += action === 'redact' ? `[${label}]` : vault.placeholder(label, text.slice(start, end));
    cursor = end;
  }
  return result + text.slice(cursor);
}

function rewriteContent(message: ChatMessage, rewritten: ReadonlyMap<number | undefined, string>): ChatMessage {
  if (!Array.isArray(message.content)) return { ...message, content: rewritten.get(undefined) };
  const parts = message.content.map((part: unknown, index) =>
    rewritten.has(index) ? { ...(part as Record<string, unknown>), text: rewritten.get(index) } : part,
  );
  return { ...message, content: parts };
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
    const key = segmentKey(finding.message, finding.part);
    let list = bySegment.get(key);
    if (list === undefined) bySegment.set(key, (list = []));
    for (const span of finding.spans) list.push({ start: span.start, end: span.end, action: finding.action, label: labelOf(finding) });
  }
  if (bySegment.size === 0) return {};
  if (options.messages === undefined) {
    const segment = options.segments[0];
    const replacements = bySegment.get(segmentKey(undefined, undefined));
    return segment === undefined || replacements === undefined ? {} : { text: rewrite(segment.text, replacements, options.vault) };
  }
  const perMessage = new Map<number, Map<number | undefined, string>>();
  for (const segment of options.segments) {
    const replacements = bySegment.get(segmentKey(segment.message, segment.part));
    if (replacements === undefined || segment.message === undefined) continue;
    let parts = perMessage.get(segment.message);
    if (parts === undefined) perMessage.set(segment.message, (parts = new Map()));
    parts.set(segment.part, rewrite(segment.text, replacements, options.vault));
  }
  return { messages: options.messages.map((message, index) => (perMessage.has(index) ? rewriteContent(message, perMessage.get(index) as Map<number | undefined, string>) : message)) };
}
