/**
 * Operational events: the audit events that record an act on how the gateway runs (a switch
 * flipped, a policy pushed, a rollout rolled back, a key revoked, an incident noted), as opposed to
 * the `request` events that record traffic. An incident's timeline is made of them
 * (`src/ops/incidents/incident-timeline.ts`), and verifying an incident bundle recomputes that
 * timeline (`incident-bundle-check.ts`), so the list and the one-line summary live here, beside
 * the log they describe, where both can use them.
 *
 * Field names in `data` are snake_case (they are on the wire). The ones read here are a
 * convention for whoever writes these events: name a policy version by its hash in `hash`,
 * `candidate`, `baseline` (rollouts), `policy_hash` or `degrade_policy` (a switch forcing a
 * policy), a rollout in `rollout_id`, an incident in `incident_id`.
 */
import type { AuditEvent } from './audit-event.js';

export const operationalEventTypes = [
  'incident-opened',
  'incident-noted',
  'incident-closed',
  'switch-flipped',
  'policy-pushed',
  'policy-activated',
  'rollout-started',
  'rollout-advanced',
  'rollout-completed',
  'rollout-rolled-back',
  'rollout-aborted',
  'abuse-state-changed',
  'key-revoked',
  'key-rotated',
  'key-updated',
  'tenant-updated',
  'approval-approved',
  'approval-denied',
] as const;

export type OperationalEventType = (typeof operationalEventTypes)[number];

const operational: ReadonlySet<string> = new Set(operationalEventTypes);

export function isOperationalEventType(type: string): type is OperationalEventType {
  return operational.has(type);
}

/**
 * The `data` fields a summary shows, in this order. Identifiers, states and counts only: any
 * other field is left out, so request content (prompts, completions, tool arguments) can never
 * reach a summary, whatever an event carries.
 */
const identifierFields = [
  'incident_id',
  'severity',
  'scope',
  'id',
  'target_id',
  'state',
  'previous_state',
  'subject',
  'level',
  'key_id',
  'prefix',
  'tenant_id',
  'approval_id',
  'tool',
  'request_id',
  'rollout_id',
  'name',
  'hash',
  'candidate',
  'baseline',
  'policy_hash',
  'degrade_tools',
  'degrade_policy',
  'mode',
  'from_percent',
  'to_percent',
  'percent',
  'expires_at',
];

/** Text an operator wrote about the act: shown for operational events only (a `request` event's `reason` might quote content). */
const operatorTextFields = ['title', 'reason', 'note', 'resolution'];

/** Fields that name a policy version by its hash (`PolicyVersion.hash`, 64 hex digits). */
export const policyHashFields: readonly string[] = ['hash', 'candidate', 'baseline', 'policy_hash', 'degrade_policy'];

const MAX_VALUE_CHARS = 120;
const MAX_SUMMARY_CHARS = 400;
const policyHash = /^[0-9a-f]{64}$/;
const bare = /^[A-Za-z0-9_.:@/+-]+$/;

/**
 * One line about an event, made from its type and the allowed fields of its data, e.g.
 * `switch-flipped: scope=tool id=web-search state=off reason="exfiltration attempt"`.
 * Deterministic (a bundle's verifier recomputes it), one line, at most 400 characters.
 */
export function summarizeAuditEvent(event: Pick<AuditEvent, 'type' | 'data'>): string {
  const fields = isOperationalEventType(event.type) ? [...identifierFields, ...operatorTextFields] : identifierFields;
  const parts: string[] = [];
  for (const field of fields) {
    if (!Object.hasOwn(event.data, field)) continue;
    const shown = showValue(event.data[field]);
    if (shown !== undefined) parts.push(`${field}=${shown}`);
  }
  return clip(parts.length === 0 ? event.type : `${event.type}: ${parts.join(' ')}`, MAX_SUMMARY_CHARS);
}

/** The policy version hashes an event's data names (see `policyHashFields`), without repeats. */
export function policyHashesNamedBy(event: Pick<AuditEvent, 'data'>): string[] {
  const found = new Set<string>();
  for (const field of policyHashFields) {
    const value = Object.hasOwn(event.data, field) ? event.data[field] : undefined;
    if (typeof value === 'string' && policyHash.test(value)) found.add(value);
  }
  return [...found];
}

function showValue(value: unknown): string | undefined {
  if (value === null) return 'none';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  // One line: runs of white space (newlines included) become one space.
  const text = clip(value.replace(/\s+/g, ' ').trim(), MAX_VALUE_CHARS);
  return bare.test(text) ? text : JSON.stringify(text);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
