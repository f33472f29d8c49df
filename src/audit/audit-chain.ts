/**
 * The audit log's hash chains. docs/audit.md tells the same story for operators.
 *
 * Writer chains. Every writer (one gateway process lifetime, one CLI run) appends to a chain
 * of its own, so replicas never contend for a shared tail and never fork it:
 *   hash = sha256(prevHash + "\n" + canonicalJson(event))
 * with `prevHash` the previous event's hash (64 zeros before seq 1), and seq 1, 2, 3… without
 * gaps. Editing an event changes its hash; deleting or moving one breaks the next event's
 * `prevHash` link; so `verifyAuditLog` finds the first event that is not where and what it was.
 * The hash covers the event only; writer and seq are fixed by the links and by the anchors,
 * which name (writerId, seq, hash).
 *
 * Anchors. A chain alone cannot show that its tail, or a whole chain, was cut off. So writers
 * periodically append an anchor to the one anchor chain (same hashing, over the anchor's body):
 * it names the head (writerId, seq, hash) of every writer that moved since it was last anchored,
 * whoever wrote the anchor, so replicas witness each other. Together, the anchor chain commits to
 * the head of every writer at that time. Deleting events up to an anchored head, or a whole
 * anchored chain, is then detected. A writer anchors every N events or T milliseconds while it
 * has unanchored events, and once more when it closes.
 *
 * Retention deletes a prefix of each chain and of the anchor chain, in one transaction that
 * keeps, per writer, a marker (seq and hash of the last deleted event) where verification of the
 * rest starts, and appends a `retention-applied` anchor that lists every writer's head and
 * marker. Deletion by retention is thus recorded in the chain; deletion without such a record is
 * tampering.
 *
 * Not detectable from the store alone: someone able to write the store can rewrite everything
 * after the last anchor (truncate the anchor chain and the chains' tails, or recompute every
 * hash). Keeping the latest anchor (seq, hash) elsewhere, and passing it to `verifyAuditLog` as
 * `expectedAnchor`, closes that gap up to that anchor.
 */
import { createHash } from 'node:crypto';
import { PalisadeError } from '../core/errors.js';
import type { AuditEvent, ChainedEvent } from './audit-event.js';
import { auditEventSchema } from './audit-event-schema.js';
import type { ChainPoint, EventColumns, StoredEvent } from './audit-store.js';
import { canonicalJson } from './canonical-json.js';

/** The `prevHash` of every chain's first record. */
export const genesisHash = '0'.repeat(64);

export const emptyChain: ChainPoint = Object.freeze({ seq: 0, hash: genesisHash });

export function hashRecord(prevHash: string, json: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(json).digest('hex');
}

/** Validates the event and serialises it canonically (the text that is stored and hashed). */
export function canonicalEvent(event: AuditEvent): { event: AuditEvent; json: string } {
  const parsed = auditEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.') || 'the event'}: ${issue.message}`;
    throw new PalisadeError('invalid_argument', `invalid audit event${where}`);
  }
  const json = canonicalJson(event);
  return { event: JSON.parse(json) as AuditEvent, json };
}

/** The event following `head` in `writerId`'s chain. */
export function chainEvent(options: { writerId: string; head: ChainPoint; event: AuditEvent; json: string }): StoredEvent {
  const { writerId, head, event, json } = options;
  return { writerId, seq: head.seq + 1, prevHash: head.hash, hash: hashRecord(head.hash, json), json, columns: eventColumns(event) };
}

/** The columns stores index, taken from the event itself so that verification can compare them. */
export function eventColumns(event: AuditEvent): EventColumns {
  return {
    id: event.id,
    type: event.type,
    time: event.time,
    tenantId: event.tenantId ?? null,
    action: event.action ?? null,
    status: event.status ?? null,
    model: event.model ?? null,
  };
}

export function sameColumns(left: EventColumns, right: EventColumns): boolean {
  return (
    left.id === right.id &&
    left.type === right.type &&
    left.time === right.time &&
    left.tenantId === right.tenantId &&
    left.action === right.action &&
    left.status === right.status &&
    left.model === right.model
  );
}

/** A stored row as the API shows it. Throws if the stored JSON is no longer readable. */
export function toChainedEvent(row: StoredEvent): ChainedEvent {
  let event: AuditEvent;
  try {
    event = JSON.parse(row.json) as AuditEvent;
  } catch (error) {
    throw new PalisadeError('internal_error', `audit event ${row.writerId}#${row.seq} is unreadable; run audit verification`, { cause: error });
  }
  return { writerId: row.writerId, seq: row.seq, prevHash: row.prevHash, hash: row.hash, event };
}
