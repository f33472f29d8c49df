import type { AuditEvent } from '../audit/audit-event.js';
import type { Decision } from '../core/decision.js';
import type { ChatMessage } from '../pipeline/guard-input.js';
import { redactForRecord } from '../pipeline/redact-for-record.js';

/** How one MCP call ended: a closed list, for the audit log and the proxy's log. */
export const callOutcomes = [
  /** Forwarded; the server answered. */
  'forwarded',
  /** Forwarded; the server answered with a tool error (`isError`). */
  'tool_error',
  /** Forwarded, but the policy blocked the result: the agent got an error instead. */
  'withheld',
  /** Not forwarded: the policy, a pin, a budget or the tool's name refused it. */
  'refused',
  'approval_denied',
  'approval_timeout',
  /** The agent cancelled the call (or the proxy closed) before it ended. */
  'cancelled',
  'server_timeout',
  /** The server is not running (it failed to start, or stopped), or the connection broke. */
  'server_unavailable',
  /** The server answered the call with a protocol error. */
  'server_error',
  /** A store the proxy needs (approvals, the audit log) failed. */
  'unavailable',
  /** The request was malformed (its name or arguments); the SDK answered it with an error. */
  'invalid_call',
] as const;
export type CallOutcome = (typeof callOutcomes)[number];

export type ContentMode = 'none' | 'redacted' | 'full';

/** Kept text is an excerpt at most: the log is not a copy of the tools' traffic. */
const maxExcerptChars = 1000;

export const round = (value: number): number => Math.round(value * 1000) / 1000;

function excerpt(value: unknown): { chars: number; head: string } | string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= maxExcerptChars ? text : { chars: text.length, head: text.slice(0, maxExcerptChars) };
}

/** A scan as the log keeps it: rule ids, categories, scores, failures; never text. */
export function scanRecord(decision: Decision): Record<string, unknown> {
  return {
    action: decision.action,
    rules: decision.rules.filter((rule) => rule.applied).map((rule) => ({ id: rule.id, layer: rule.layer, action: rule.action })),
    findings: decision.findings.map((finding) => ({ detector: finding.detector, category: finding.category, score: round(finding.score), action: finding.action, source: finding.source })),
    errors: decision.errors.map((error) => ({ detector: error.detector, reason: error.reason, fail_mode: error.failMode })),
    limits: decision.limits,
    policy: decision.policy,
  };
}

/**
 * What of a call's content the log keeps, by `audit.content` (the gateway's rule): `none`,
 * nothing; `redacted`, the result with every labelled finding redacted (the arguments were never
 * scanned, so only their hash); `full`, excerpts of both. Always excerpts, never whole texts.
 */
export function contentRecord(options: { mode: ContentMode; arguments?: string; texts?: readonly string[]; decision?: Decision }): Record<string, unknown> | undefined {
  const { mode, texts, decision } = options;
  if (mode === 'none') return undefined;
  const record: Record<string, unknown> = { mode };
  if (mode === 'full' && options.arguments !== undefined) record.arguments = excerpt(options.arguments);
  if (texts !== undefined && texts.length > 0) {
    if (mode === 'full') record.result = excerpt(texts);
    else if (decision !== undefined) {
      const messages: ChatMessage[] = texts.map((text) => ({ role: 'tool', content: text }));
      const kept = redactForRecord({ messages }, decision) as ChatMessage[];
      record.result = excerpt(kept.map((message) => message.content));
    }
  }
  return Object.keys(record).length > 1 ? record : undefined;
}

/** The one audit event of an MCP tool call. */
export function toolCallEvent(options: { id: string; time: Date; tenant: string; route: string; data: Record<string, unknown>; scan?: Decision }): AuditEvent {
  return {
    id: options.id,
    type: 'mcp-tool-call',
    time: options.time.toISOString(),
    tenantId: options.tenant,
    actor: 'mcp-proxy',
    route: options.route,
    ...(options.scan === undefined ? {} : { action: options.scan.action }),
    data: { ...options.data, ...(options.scan === undefined ? {} : { scan: scanRecord(options.scan) }) },
  };
}

