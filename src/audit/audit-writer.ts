import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isPalisadeError, PalisadeError } from '../core/errors.js';
import { buildAnchor } from './audit-anchor.js';
import { canonicalEvent, chainEvent, emptyChain, toChainedEvent } from './audit-chain.js';
import type { AuditEvent, ChainedEvent } from './audit-event.js';
import type { AuditStore, ChainPoint, StoredAnchor, StoredEvent, WriterHead } from './audit-store.js';

export interface AnchorEvery {
  /** Anchor after this many events committed since this writer's last anchor. */
  events: number;
  /** Anchor this often while this writer has unanchored events. */
  ms: number;
}

export interface AuditWriterOptions {
  store: AuditStore;
  /** Default: host, pid and random bytes, so that every process lifetime has its own chain. */
  writerId?: string;
  anchorEvery?: AnchorEvery;
  /** The clock for anchor times. */
  now?: () => Date;
  /** A background anchor failed. Appends are not affected; the next anchor covers the same heads. */
  onAnchorError?: (error: unknown) => void;
}

export interface AuditWriter {
  readonly writerId: string;
  /** Resolves once the event is committed to the store; rejects (`unavailable`) if its batch failed. */
  append(event: AuditEvent): Promise<ChainedEvent>;
  /** The last committed event's place (seq 0 before the first commit). */
  head(): WriterHead;
  /** Writes a checkpoint anchor now if any writer moved since it was last anchored. */
  anchor(): Promise<StoredAnchor | undefined>;
  /** Commits what is queued, writes the `writer-closed` anchor, stops the timer. Appends after it are refused. */
  close(): Promise<void>;
}

export const defaultAnchorEvery: AnchorEvery = { events: 1000, ms: 10_000 };

/** Bounds one transaction; a backlog is committed in several. */
const maxBatch = 500;

interface Pending {
  event: AuditEvent;
  json: string;
  resolve: (chained: ChainedEvent) => void;
  reject: (error: unknown) => void;
}

export function defaultWriterId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '').slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/**
 * Appends events to one writer chain with group commit: an event that arrives while a commit is
 * in flight waits for the next one, which takes everything queued (up to `maxBatch`) in one
 * transaction. Order within the writer is arrival order. A failed commit rejects its whole
 * batch and the writer re-reads its head from the store before the next one, so the chain
 * continues from what is really committed: no gap, no fork, even if the failure hid a commit.
 */
export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const { store } = options;
  const writerId = options.writerId ?? defaultWriterId();
  const every = options.anchorEvery ?? defaultAnchorEvery;
  if (!(every.events >= 1) || !(every.ms >= 1)) throw new PalisadeError('invalid_argument', 'anchorEvery needs events ≥ 1 and ms ≥ 1');
  const now = options.now ?? (() => new Date());
  const onAnchorError = options.onAnchorError ?? (() => {});

  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let committed: ChainPoint = emptyChain;
  let headKnown = false;
  let unanchored = 0;
  let anchoring: Promise<StoredAnchor | undefined> | undefined;
  let closing: Promise<void> | undefined;

  const timer = setInterval(() => {
    if (unanchored > 0) void anchorInBackground();
  }, every.ms);
  timer.unref();

  async function flush(): Promise<void> {
    // Appends made in this turn of the event loop join the batch: with a synchronous store (SQLite)
    // a commit never overlaps the next arrivals, so without this every event would commit alone.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      await commit(batch);
    }
    flushing = undefined;
  }

  async function commit(batch: Pending[]): Promise<void> {
    let rows: StoredEvent[];
    try {
      if (!headKnown) {
        committed = (await store.getWriter(writerId))?.head ?? emptyChain;
        headKnown = true;
      }
      rows = [];
      let head = committed;
      for (const pending of batch) {
        const row = chainEvent({ writerId, head, event: pending.event, json: pending.json });
        rows.push(row);
        head = row;
      }
      await store.appendEvents({ writerId, after: committed, events: rows });
      committed = { seq: head.seq, hash: head.hash };
    } catch (error) {
      headKnown = false;
      const failure = isPalisadeError(error) ? error : new PalisadeError('unavailable', 'the audit log could not be written', { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    rows.forEach((row, index) => batch[index]?.resolve(toChainedEvent(row)));
    unanchored += rows.length;
    if (unanchored >= every.events) void anchorInBackground();
  }

  function writeAnchor(kind: 'checkpoint' | 'writer-closed'): Promise<StoredAnchor | undefined> {
    const previous = anchoring ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const covered = unanchored;
        const anchor = await store.appendAnchor({ writerId, build: (state) => buildAnchor({ state, kind, writerId, time: now().toISOString() }) });
        unanchored = Math.max(0, unanchored - covered);
        return anchor;
      });
    anchoring = next;
    void next.finally(() => {
      if (anchoring === next) anchoring = undefined;
    }).catch(() => {});
    return next;
  }

  function anchorInBackground(): Promise<void> {
    if (anchoring !== undefined) return Promise.resolve();
    return writeAnchor('checkpoint').then(
      () => undefined,
      (error: unknown) => onAnchorError(error),
    );
  }

  return {
    writerId,
    append(event) {
      if (closing !== undefined) return Promise.reject(new PalisadeError('unavailable', 'the audit writer is closed'));
      let prepared: { event: AuditEvent; json: string };
      try {
        prepared = canonicalEvent(event);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<ChainedEvent>((resolve, reject) => {
        queue.push({ ...prepared, resolve, reject });
        flushing ??= flush();
      });
    },
    head: () => ({ writerId, ...committed }),
    anchor: () => writeAnchor('checkpoint'),
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        while (flushing !== undefined) await flushing;
        await anchoring?.catch(() => undefined);
        if (committed.seq > 0) await writeAnchor('writer-closed');
      })();
      return closing;
    },
  };
}
