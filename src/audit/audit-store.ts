/**
 * Where the audit log lives: the interface every backend (memory, SQLite, PostgreSQL)
 * implements, checked by one contract suite (`audit-store-contract.ts`).
 *
 * A store keeps rows and does the locking; it computes no hash and makes no judgement. The
 * chain, the anchors and their verification are in `audit-chain.ts`, `audit-anchor.ts` and
 * `verify-audit-log.ts`, so one implementation of the security-relevant logic serves every
 * backend. Where a record's content depends on state that only the store can read atomically
 * (an anchor commits to every writer's head at one instant), the store calls a `build`
 * function inside its transaction.
 */
import { PalisadeError } from '../core/errors.js';

/** A position in a chain: the record at `seq` has `hash` (seq 0 with 64 zeros: the empty chain). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

export interface WriterHead extends ChainPoint {
  writerId: string;
}

/** The queryable columns of an event, derived from its canonical JSON (`eventColumns`). */
export interface EventColumns {
  id: string;
  type: string;
  /** ISO 8601 UTC with milliseconds, as in the event. */
  time: string;
  tenantId: string | null;
  action: string | null;
  status: number | null;
  model: string | null;
}

/** One event row exactly as stored. `json` is the canonical JSON the hash was computed over. */
export interface StoredEvent {
  writerId: string;
  seq: number;
  prevHash: string;
  hash: string;
  json: string;
  columns: EventColumns;
}

/** One anchor row exactly as stored. `json` is the canonical JSON of its `AnchorBody`. */
export interface StoredAnchor {
  seq: number;
  prevHash: string;
  hash: string;
  json: string;
  /** Copies of body fields, for listing and retention by time. */
  kind: string;
  time: string;
  writerId: string;
  /** The writer heads the body commits to, indexed so an export can find its witnesses. */
  heads: readonly WriterHead[];
}

/** What the store knows of one writer. */
export interface WriterRecord {
  writerId: string;
  /** The last committed event (seq 0: none yet). */
  head: ChainPoint;
  /** The last event deleted by retention (seq 0: none); the remaining chain continues from it. */
  retained: ChainPoint;
  /** The head as last written into an anchor; anchors list only writers that moved since. */
  anchored: ChainPoint;
}

export interface EventBatch {
  writerId: string;
  /** The head the batch continues from; if the stored head differs the store refuses the batch (no fork). */
  after: ChainPoint;
  /** Consecutive, `after.seq + 1` onward. */
  events: readonly StoredEvent[];
}

/** What an anchor is built from, read inside the anchor's transaction. */
export interface AnchorState {
  /** The anchor chain's last record (seq 0 when empty, or the pruned marker's hash when all were pruned). */
  anchorHead: ChainPoint;
  /** Writers whose head moved since they were last anchored. */
  moved: readonly WriterRecord[];
  /** The writer building the anchor, if the store knows it. */
  self: WriterRecord | undefined;
}

export interface RetentionState {
  anchorHead: ChainPoint;
  /** Every writer after this run's deletions (its `retained` is the new marker). */
  writers: readonly WriterRecord[];
  /** Writers whose marker moved in this run. */
  cut: readonly WriterHead[];
  deletedEvents: number;
  /** The last anchor pruned so far, this run included (undefined: none ever). */
  prunedAnchors: ChainPoint | undefined;
}

export interface RetentionOutcome {
  anchor: StoredAnchor;
  deletedEvents: number;
  prunedAnchors: number;
}

/** Store-level filter: already scoped and validated by `queryAuditLog`. */
export interface EventFilter {
  tenantId?: string;
  /** Inclusive. */
  from?: string;
  /** Exclusive. */
  to?: string;
  type?: string;
  action?: string;
  status?: number;
  model?: string;
  id?: string;
  /** The key (or `cli`, `system`) that acted: the event's top-level `actor`. */
  actor?: string;
  /**
   * A `request` event with a finding of this category or one below it (`pii` matches `pii.email`,
   * as policy rules do), on the way in or out (`data.input.findings[].category`, `data.output.findings[].category`).
   */
  category?: string;
  /** The request itself (event id) and the events that name it (`data.request_id`: approvals, reports). */
  requestId?: string;
}

/** Order is newest first: time, then writer id, then seq, all descending. */
export interface EventPosition {
  time: string;
  writerId: string;
  seq: number;
}

export interface WriterSpan {
  writerId: string;
  firstSeq: number;
  lastSeq: number;
}

export interface AnchorMention extends ChainPoint {
  anchorSeq: number;
}

export interface AuditStore {
  /** Appends the batch in one transaction, and moves the writer's head; all or nothing. */
  appendEvents(batch: EventBatch): Promise<void>;
  /**
   * In one transaction that excludes other anchor writers: reads the state, calls `build`, appends
   * its record (unless it returns undefined) and marks the listed heads as anchored.
   */
  appendAnchor(options: { writerId: string; build: (state: AnchorState) => StoredAnchor | undefined }): Promise<StoredAnchor | undefined>;
  /**
   * In one transaction: for every writer, deletes the events up to the highest seq whose time is
   * before `before` and records that event as the writer's retention marker; prunes anchors the
   * same way; then appends the record `build` returns and marks every head as anchored.
   */
  applyRetention(options: { before: string; build: (state: RetentionState) => StoredAnchor }): Promise<RetentionOutcome>;
  getWriter(writerId: string): Promise<WriterRecord | undefined>;
  /** Ordered by writer id. */
  listWriters(): Promise<WriterRecord[]>;
  /** A writer's events with seq > `afterSeq` in seq order, at most `limit`. */
  readEvents(options: { writerId: string; afterSeq: number; limit: number }): Promise<StoredEvent[]>;
  /** Anchors with seq > `afterSeq` in seq order, at most `limit`. */
  readAnchors(options: { afterSeq: number; limit: number }): Promise<StoredAnchor[]>;
  /** The last anchor deleted by retention (undefined: none). */
  prunedAnchors(): Promise<ChainPoint | undefined>;
  /** The anchor record that first names `writerId` at a seq ≥ `atLeast` (lowest seq, then lowest anchor). */
  findAnchorMention(options: { writerId: string; atLeast: number }): Promise<AnchorMention | undefined>;
  /** Matching events newest first, strictly after `after` in that order, at most `limit`. */
  queryEvents(options: { filter: EventFilter; after?: EventPosition; limit: number }): Promise<StoredEvent[]>;
  /** Per writer, the lowest and highest seq of the events whose time is in [from, to). */
  writerSpans(options: { from: string; to: string }): Promise<WriterSpan[]>;
}

/**
 * Checks, inside a store's transaction, that a batch continues the stored head and is
 * consecutive; throws `unavailable` otherwise (the writer then re-reads its head).
 */
export function assertBatchContinues(batch: EventBatch, stored: ChainPoint): void {
  if (stored.seq !== batch.after.seq || stored.hash !== batch.after.hash) {
    throw new PalisadeError('unavailable', `audit writer ${batch.writerId}: the stored head is seq ${stored.seq}, the batch expected seq ${batch.after.seq}`);
  }
  let previous = batch.after;
  for (const event of batch.events) {
    if (event.writerId !== batch.writerId || event.seq !== previous.seq + 1 || event.prevHash !== previous.hash) {
      throw new PalisadeError('internal_error', `audit writer ${batch.writerId}: batch is not consecutive at seq ${event.seq}`);
    }
    previous = event;
  }
}

/** Checks that a built anchor continues the anchor head the store read. */
export function assertAnchorContinues(anchor: StoredAnchor, anchorHead: ChainPoint): void {
  if (anchor.seq !== anchorHead.seq + 1 || anchor.prevHash !== anchorHead.hash) {
    throw new PalisadeError('internal_error', `audit anchor ${anchor.seq} does not continue the anchor chain at seq ${anchorHead.seq}`);
  }
}
