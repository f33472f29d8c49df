import { PalisadeError } from '../core/errors.js';
import { buildRetentionRecord, parseAnchorBody, type RetentionRecord } from './audit-anchor.js';
import type { AuditStore, ChainPoint } from './audit-store.js';

export interface AuditRetentionOptions {
  /** Events (and anchors) whose time is before this are deleted. */
  before: Date;
  /** Who applies it, recorded in the `retention-applied` anchor: a writer id, or e.g. `cli-…`. */
  writerId: string;
  now?: () => Date;
}

export interface AuditRetentionResult {
  deletedEvents: number;
  prunedAnchors: number;
  /** The `retention-applied` anchor written. */
  anchor: ChainPoint;
  record: RetentionRecord;
}

/**
 * Deletes old events in one transaction and records it in the anchor chain. Per writer the
 * deletion is a prefix: everything up to the highest seq whose time is before `before`, so no
 * older event survives (a few slightly newer ones before it in the same chain may go too: a
 * request's time is its start, and a long one commits after shorter later ones). The record
 * names every writer's marker, so verification of what is left starts from a checked point
 * and a deletion not named by a record is reported as tampering.
 */
export async function applyAuditRetention(store: AuditStore, options: AuditRetentionOptions): Promise<AuditRetentionResult> {
  if (Number.isNaN(options.before.getTime())) throw new PalisadeError('invalid_argument', 'retention needs a valid time');
  const now = options.now ?? (() => new Date());
  const before = options.before.toISOString();
  const outcome = await store.applyRetention({
    before,
    build: (state) => buildRetentionRecord({ state, before, writerId: options.writerId, time: now().toISOString() }),
  });
  const record = parseAnchorBody(outcome.anchor.json)?.retention;
  if (record === undefined) throw new PalisadeError('internal_error', 'the retention record written is unreadable');
  return {
    deletedEvents: outcome.deletedEvents,
    prunedAnchors: outcome.prunedAnchors,
    anchor: { seq: outcome.anchor.seq, hash: outcome.anchor.hash },
    record,
  };
}
