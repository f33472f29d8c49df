import { categoryMatches } from '../core/finding.js';
import { emptyChain } from './audit-chain.js';
import {
  assertAnchorContinues,
  assertBatchContinues,
  type AnchorMention,
  type AnchorState,
  type AuditStore,
  type ChainPoint,
  type EventBatch,
  type EventFilter,
  type EventPosition,
  type RetentionOutcome,
  type RetentionState,
  type StoredAnchor,
  type StoredEvent,
  type WriterRecord,
  type WriterSpan,
} from './audit-store.js';

/** The rows of a `MemoryAuditStore`, open to tests that tamper with them as an attacker would. */
export interface MemoryAuditRows {
  /** Per writer, in append order; reads sort by seq, as a database does. */
  events: Map<string, StoredEvent[]>;
  writers: Map<string, WriterRecord>;
  anchors: StoredAnchor[];
  prunedAnchors: ChainPoint | undefined;
}

/**
 * The audit log in process memory: for tests and for trying Palisade out; lost on exit.
 * Every operation runs synchronously, so each is atomic.
 */
export class MemoryAuditStore implements AuditStore {
  readonly rows: MemoryAuditRows = { events: new Map(), writers: new Map(), anchors: [], prunedAnchors: undefined };

  async appendEvents(batch: EventBatch): Promise<void> {
    const writer = this.rows.writers.get(batch.writerId);
    assertBatchContinues(batch, writer?.head ?? emptyChain);
    const last = batch.events.at(-1);
    if (last === undefined) return;
    const events = this.rows.events.get(batch.writerId) ?? [];
    events.push(...batch.events.map((event) => structuredClone(event)));
    this.rows.events.set(batch.writerId, events);
    const head = { seq: last.seq, hash: last.hash };
    this.rows.writers.set(batch.writerId, writer === undefined ? { writerId: batch.writerId, head, retained: emptyChain, anchored: emptyChain } : { ...writer, head });
  }

  async appendAnchor(options: { writerId: string; build: (state: AnchorState) => StoredAnchor | undefined }): Promise<StoredAnchor | undefined> {
    const anchorHead = this.#anchorHead();
    const writers = [...this.rows.writers.values()];
    const moved = writers.filter((writer) => writer.head.seq !== writer.anchored.seq || writer.head.hash !== writer.anchored.hash);
    const anchor = options.build({ anchorHead, moved: structuredClone(moved), self: structuredClone(this.rows.writers.get(options.writerId)) });
    if (anchor === undefined) return undefined;
    this.#insertAnchor(anchor, anchorHead);
    return structuredClone(anchor);
  }

  async applyRetention(options: { before: string; build: (state: RetentionState) => StoredAnchor }): Promise<RetentionOutcome> {
    const anchorHead = this.#anchorHead();
    const cut: RetentionState['cut'][number][] = [];
    let deletedEvents = 0;
    for (const [writerId, events] of this.rows.events) {
      const last = maxBy(events.filter((event) => event.columns.time < options.before));
      if (last === undefined) continue;
      const kept = events.filter((event) => event.seq > last.seq);
      deletedEvents += events.length - kept.length;
      this.rows.events.set(writerId, kept);
      const writer = this.rows.writers.get(writerId);
      if (writer !== undefined && last.seq > writer.retained.seq) {
        writer.retained = { seq: last.seq, hash: last.hash };
        cut.push({ writerId, seq: last.seq, hash: last.hash });
      }
    }
    const lastOld = maxBy(this.rows.anchors.filter((anchor) => anchor.time < options.before));
    const before = this.rows.anchors.length;
    if (lastOld !== undefined) {
      this.rows.anchors = this.rows.anchors.filter((anchor) => anchor.seq > lastOld.seq);
      this.rows.prunedAnchors = { seq: lastOld.seq, hash: lastOld.hash };
    }
    const prunedAnchors = before - this.rows.anchors.length;
    const writers = [...this.rows.writers.values()];
    const anchor = options.build({ anchorHead, writers: structuredClone(writers), cut, deletedEvents, prunedAnchors: this.rows.prunedAnchors });
    this.#insertAnchor(anchor, anchorHead);
    return { anchor: structuredClone(anchor), deletedEvents, prunedAnchors };
  }

  async getWriter(writerId: string): Promise<WriterRecord | undefined> {
    return structuredClone(this.rows.writers.get(writerId));
  }

  async listWriters(): Promise<WriterRecord[]> {
    return structuredClone([...this.rows.writers.values()].sort((left, right) => compareText(left.writerId, right.writerId)));
  }

  async readEvents(options: { writerId: string; afterSeq: number; limit: number }): Promise<StoredEvent[]> {
    const events = (this.rows.events.get(options.writerId) ?? []).filter((event) => event.seq > options.afterSeq);
    return structuredClone(events.sort((left, right) => left.seq - right.seq).slice(0, options.limit));
  }

  async readAnchors(options: { afterSeq: number; limit: number }): Promise<StoredAnchor[]> {
    const anchors = this.rows.anchors.filter((anchor) => anchor.seq > options.afterSeq);
    return structuredClone(anchors.sort((left, right) => left.seq - right.seq).slice(0, options.limit));
  }

  async prunedAnchors(): Promise<ChainPoint | undefined> {
    return structuredClone(this.rows.prunedAnchors);
  }

  async findAnchorMention(options: { writerId: string; atLeast: number }): Promise<AnchorMention | undefined> {
    let found: AnchorMention | undefined;
    for (const anchor of this.rows.anchors) {
      for (const head of anchor.heads) {
        if (head.writerId !== options.writerId || head.seq < options.atLeast) continue;
        if (found === undefined || head.seq < found.seq || (head.seq === found.seq && anchor.seq < found.anchorSeq)) {
          found = { anchorSeq: anchor.seq, seq: head.seq, hash: head.hash };
        }
      }
    }
    return found;
  }

  async queryEvents(options: { filter: EventFilter; after?: EventPosition; limit: number }): Promise<StoredEvent[]> {
    const { filter, after } = options;
    const matches = [...this.rows.events.values()].flat().filter((event) => matchesFilter(event, filter) && (after === undefined || comparePosition(event, after) < 0));
    return structuredClone(matches.sort((left, right) => comparePosition(right, position(left))).slice(0, options.limit));
  }

  async writerSpans(options: { from: string; to: string }): Promise<WriterSpan[]> {
    const spans: WriterSpan[] = [];
    for (const [writerId, events] of [...this.rows.events].sort(([left], [right]) => compareText(left, right))) {
      const seqs = events.filter((event) => event.columns.time >= options.from && event.columns.time < options.to).map((event) => event.seq);
      if (seqs.length > 0) spans.push({ writerId, firstSeq: Math.min(...seqs), lastSeq: Math.max(...seqs) });
    }
    return spans;
  }

  #anchorHead(): ChainPoint {
    const last = maxBy(this.rows.anchors);
    return last === undefined ? (this.rows.prunedAnchors ?? emptyChain) : { seq: last.seq, hash: last.hash };
  }

  #insertAnchor(anchor: StoredAnchor, anchorHead: ChainPoint): void {
    assertAnchorContinues(anchor, anchorHead);
    this.rows.anchors.push(structuredClone(anchor));
    for (const head of anchor.heads) {
      const writer = this.rows.writers.get(head.writerId);
      if (writer !== undefined) writer.anchored = { seq: head.seq, hash: head.hash };
    }
  }
}

function maxBy<T extends { seq: number }>(rows: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const row of rows) if (best === undefined || row.seq > best.seq) best = row;
  return best;
}

function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  const columns = event.columns;
  return (
    (filter.tenantId === undefined || columns.tenantId === filter.tenantId) &&
    (filter.from === undefined || columns.time >= filter.from) &&
    (filter.to === undefined || columns.time < filter.to) &&
    (filter.type === undefined || columns.type === filter.type) &&
    (filter.action === undefined || columns.action === filter.action) &&
    (filter.status === undefined || columns.status === filter.status) &&
    (filter.model === undefined || columns.model === filter.model) &&
    (filter.id === undefined || columns.id === filter.id) &&
    matchesContent(event, filter)
  );
}

/** The filters on fields inside the event's JSON, read as the SQL backends read them. */
function matchesContent(event: StoredEvent, filter: EventFilter): boolean {
  if (filter.actor === undefined && filter.category === undefined && filter.requestId === undefined) return true;
  let parsed: { actor?: unknown; data?: { request_id?: unknown; input?: { findings?: unknown }; output?: { findings?: unknown } } };
  try {
    parsed = JSON.parse(event.json) as typeof parsed;
  } catch {
    return false;
  }
  const categories = [parsed.data?.input?.findings, parsed.data?.output?.findings].flatMap((findings) =>
    Array.isArray(findings) ? findings.map((finding: unknown) => (typeof finding === 'object' && finding !== null ? (finding as { category?: unknown }).category : undefined)) : [],
  );
  return (
    (filter.actor === undefined || parsed.actor === filter.actor) &&
    (filter.category === undefined || categories.some((category) => typeof category === 'string' && categoryMatches(category, filter.category ?? ''))) &&
    (filter.requestId === undefined || event.columns.id === filter.requestId || parsed.data?.request_id === filter.requestId)
  );
}

function position(event: StoredEvent): EventPosition {
  return { time: event.columns.time, writerId: event.writerId, seq: event.seq };
}

/** Ascending (time, writer id, seq); the query order is its reverse. */
function comparePosition(event: StoredEvent, other: EventPosition): number {
  return compareText(event.columns.time, other.time) || compareText(event.writerId, other.writerId) || event.seq - other.seq;
}

/** Code-unit order; SQLite's BINARY collation and PostgreSQL's "C" collation agree with it. */
function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
