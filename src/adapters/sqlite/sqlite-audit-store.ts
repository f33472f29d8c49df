import type Database from 'better-sqlite3';
import { emptyChain } from '../../audit/audit-chain.js';
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
  type WriterHead,
  type WriterRecord,
  type WriterSpan,
} from '../../audit/audit-store.js';
import { migrateSqlite, type SqliteDatabase } from './open-sqlite.js';
import { sqliteAuditMigrations } from './sqlite-audit-migrations.js';

interface WriterRow {
  writer_id: string;
  head_seq: number;
  head_hash: string;
  retained_seq: number;
  retained_hash: string;
  anchored_seq: number;
  anchored_hash: string;
}

interface EventRow {
  writer_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
  event_id: string;
  type: string;
  time: string;
  tenant_id: string | null;
  action: string | null;
  status: number | null;
  model: string | null;
  event_json: string;
}

interface AnchorRow {
  seq: number;
  prev_hash: string;
  hash: string;
  kind: string;
  time: string;
  writer_id: string;
  body_json: string;
}

interface HeadRow {
  writer_id: string;
  seq: number;
  anchor_seq: number;
  hash: string;
}

const eventColumns = 'writer_id, seq, prev_hash, hash, event_id, type, time, tenant_id, action, status, model, event_json';
const writerColumns = 'writer_id, head_seq, head_hash, retained_seq, retained_hash, anchored_seq, anchored_hash';

/** Creates the tables if needed and returns the store. The database stays the caller's to close. */
export function createSqliteAuditStore(db: SqliteDatabase): SqliteAuditStore {
  migrateSqlite(db, sqliteAuditMigrations);
  return new SqliteAuditStore(db);
}

/**
 * The audit log in the embedded database. Each write is one `BEGIN IMMEDIATE` transaction, so
 * two processes (or two connections) on the same file serialise their batches and anchors.
 * With `synchronous = NORMAL` in WAL mode (the default of `openSqlite`) a committed batch
 * survives the process being killed but not a power cut; `synchronous: 'full'` survives both.
 */
export class SqliteAuditStore implements AuditStore {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async appendEvents(batch: EventBatch): Promise<void> {
    this.#db
      .transaction(() => {
        const writer = this.#writer(batch.writerId);
        assertBatchContinues(batch, writer?.head ?? emptyChain);
        const insert = this.#sql(`INSERT INTO audit_events (${eventColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        for (const event of batch.events) {
          const { columns } = event;
          insert.run(event.writerId, event.seq, event.prevHash, event.hash, columns.id, columns.type, columns.time, columns.tenantId, columns.action, columns.status, columns.model, event.json);
        }
        const last = batch.events.at(-1);
        if (last === undefined) return;
        this.#sql(
          `INSERT INTO audit_writers (${writerColumns}) VALUES (?, ?, ?, 0, ?, 0, ?)
           ON CONFLICT (writer_id) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash`,
        ).run(batch.writerId, last.seq, last.hash, emptyChain.hash, emptyChain.hash);
      })
      .immediate();
  }

  async appendAnchor(options: { writerId: string; build: (state: AnchorState) => StoredAnchor | undefined }): Promise<StoredAnchor | undefined> {
    return this.#db
      .transaction(() => {
        const anchorHead = this.#anchorHead();
        const moved = (this.#sql(`SELECT ${writerColumns} FROM audit_writers WHERE head_seq <> anchored_seq OR head_hash <> anchored_hash ORDER BY writer_id`).all() as WriterRow[]).map(writerFromRow);
        const anchor = options.build({ anchorHead, moved, self: this.#writer(options.writerId) });
        if (anchor !== undefined) this.#insertAnchor(anchor, anchorHead);
        return anchor;
      })
      .immediate();
  }

  async applyRetention(options: { before: string; build: (state: RetentionState) => StoredAnchor }): Promise<RetentionOutcome> {
    return this.#db
      .transaction(() => {
        const anchorHead = this.#anchorHead();
        const cuts = this.#sql('SELECT writer_id, MAX(seq) AS seq FROM audit_events WHERE time < ? GROUP BY writer_id ORDER BY writer_id').all(options.before) as { writer_id: string; seq: number }[];
        const cut: WriterHead[] = [];
        let deletedEvents = 0;
        for (const { writer_id: writerId, seq } of cuts) {
          const last = this.#sql('SELECT hash FROM audit_events WHERE writer_id = ? AND seq = ?').get(writerId, seq) as { hash: string };
          deletedEvents += this.#sql('DELETE FROM audit_events WHERE writer_id = ? AND seq <= ?').run(writerId, seq).changes;
          const moved = this.#sql('UPDATE audit_writers SET retained_seq = ?, retained_hash = ? WHERE writer_id = ? AND retained_seq < ?').run(seq, last.hash, writerId, seq);
          if (moved.changes > 0) cut.push({ writerId, seq, hash: last.hash });
        }
        const lastOld = this.#sql('SELECT seq, hash FROM audit_anchors WHERE time < ? ORDER BY seq DESC LIMIT 1').get(options.before) as ChainPoint | undefined;
        let prunedAnchors = 0;
        if (lastOld !== undefined) {
          prunedAnchors = this.#sql('DELETE FROM audit_anchors WHERE seq <= ?').run(lastOld.seq).changes;
          this.#sql('DELETE FROM audit_anchor_heads WHERE anchor_seq <= ?').run(lastOld.seq);
          this.#sql('INSERT INTO audit_pruned_anchors (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash').run(lastOld.seq, lastOld.hash);
        }
        const writers = this.#allWriters();
        const anchor = options.build({ anchorHead, writers, cut, deletedEvents, prunedAnchors: this.#prunedAnchors() });
        this.#insertAnchor(anchor, anchorHead);
        return { anchor, deletedEvents, prunedAnchors };
      })
      .immediate();
  }

  async getWriter(writerId: string): Promise<WriterRecord | undefined> {
    return this.#writer(writerId);
  }

  async listWriters(): Promise<WriterRecord[]> {
    return this.#allWriters();
  }

  async readEvents(options: { writerId: string; afterSeq: number; limit: number }): Promise<StoredEvent[]> {
    const rows = this.#sql(`SELECT ${eventColumns} FROM audit_events WHERE writer_id = ? AND seq > ? ORDER BY seq LIMIT ?`).all(options.writerId, options.afterSeq, options.limit) as EventRow[];
    return rows.map(eventFromRow);
  }

  async readAnchors(options: { afterSeq: number; limit: number }): Promise<StoredAnchor[]> {
    const rows = this.#sql('SELECT seq, prev_hash, hash, kind, time, writer_id, body_json FROM audit_anchors WHERE seq > ? ORDER BY seq LIMIT ?').all(options.afterSeq, options.limit) as AnchorRow[];
    const first = rows[0];
    const last = rows.at(-1);
    if (first === undefined || last === undefined) return [];
    const heads = this.#sql('SELECT writer_id, seq, anchor_seq, hash FROM audit_anchor_heads WHERE anchor_seq BETWEEN ? AND ? ORDER BY anchor_seq, writer_id').all(first.seq, last.seq) as HeadRow[];
    return rows.map((row) => ({
      seq: row.seq,
      prevHash: row.prev_hash,
      hash: row.hash,
      json: row.body_json,
      kind: row.kind,
      time: row.time,
      writerId: row.writer_id,
      heads: heads.filter((head) => head.anchor_seq === row.seq).map((head) => ({ writerId: head.writer_id, seq: head.seq, hash: head.hash })),
    }));
  }

  async prunedAnchors(): Promise<ChainPoint | undefined> {
    return this.#prunedAnchors();
  }

  async findAnchorMention(options: { writerId: string; atLeast: number }): Promise<AnchorMention | undefined> {
    const row = this.#sql('SELECT writer_id, seq, anchor_seq, hash FROM audit_anchor_heads WHERE writer_id = ? AND seq >= ? ORDER BY seq, anchor_seq LIMIT 1').get(options.writerId, options.atLeast) as HeadRow | undefined;
    return row === undefined ? undefined : { anchorSeq: row.anchor_seq, seq: row.seq, hash: row.hash };
  }

  async queryEvents(options: { filter: EventFilter; after?: EventPosition; limit: number }): Promise<StoredEvent[]> {
    const { filter, after } = options;
    const conditions: string[] = [];
    const values: (string | number)[] = [];
    const equal = (column: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      conditions.push(`${column} = ?`);
      values.push(value);
    };
    equal('tenant_id', filter.tenantId);
    equal('type', filter.type);
    equal('action', filter.action);
    equal('status', filter.status);
    equal('model', filter.model);
    equal('event_id', filter.id);
    equal("json_extract(event_json, '$.actor')", filter.actor);
    if (filter.category !== undefined) {
      const category = "CASE finding.type WHEN 'object' THEN json_extract(finding.value, '$.category') END";
      const hasCategory = (stage: string) => `EXISTS (SELECT 1 FROM json_each(event_json, '$.data.${stage}.findings') AS finding WHERE ${category} = ? OR instr(${category}, ?) = 1)`;
      conditions.push(`(${hasCategory('input')} OR ${hasCategory('output')})`);
      values.push(filter.category, `${filter.category}.`, filter.category, `${filter.category}.`);
    }
    if (filter.requestId !== undefined) {
      conditions.push("(event_id = ? OR json_extract(event_json, '$.data.request_id') = ?)");
      values.push(filter.requestId, filter.requestId);
    }
    if (filter.from !== undefined) {
      conditions.push('time >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      conditions.push('time < ?');
      values.push(filter.to);
    }
    if (after !== undefined) {
      conditions.push('(time, writer_id, seq) < (?, ?, ?)');
      values.push(after.time, after.writerId, after.seq);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = this.#sql(`SELECT ${eventColumns} FROM audit_events ${where} ORDER BY time DESC, writer_id DESC, seq DESC LIMIT ?`).all(...values, options.limit) as EventRow[];
    return rows.map(eventFromRow);
  }

  async writerSpans(options: { from: string; to: string }): Promise<WriterSpan[]> {
    const rows = this.#sql('SELECT writer_id, MIN(seq) AS first_seq, MAX(seq) AS last_seq FROM audit_events WHERE time >= ? AND time < ? GROUP BY writer_id ORDER BY writer_id').all(options.from, options.to) as {
      writer_id: string;
      first_seq: number;
      last_seq: number;
    }[];
    return rows.map((row) => ({ writerId: row.writer_id, firstSeq: row.first_seq, lastSeq: row.last_seq }));
  }

  #sql(source: string): Database.Statement {
    let statement = this.#statements.get(source);
    if (statement === undefined) {
      statement = this.#db.prepare(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  #writer(writerId: string): WriterRecord | undefined {
    const row = this.#sql(`SELECT ${writerColumns} FROM audit_writers WHERE writer_id = ?`).get(writerId) as WriterRow | undefined;
    return row === undefined ? undefined : writerFromRow(row);
  }

  #allWriters(): WriterRecord[] {
    return (this.#sql(`SELECT ${writerColumns} FROM audit_writers ORDER BY writer_id`).all() as WriterRow[]).map(writerFromRow);
  }

  #prunedAnchors(): ChainPoint | undefined {
    return this.#sql('SELECT seq, hash FROM audit_pruned_anchors WHERE id = 1').get() as ChainPoint | undefined;
  }

  #anchorHead(): ChainPoint {
    const last = this.#sql('SELECT seq, hash FROM audit_anchors ORDER BY seq DESC LIMIT 1').get() as ChainPoint | undefined;
    return last ?? this.#prunedAnchors() ?? emptyChain;
  }

  #insertAnchor(anchor: StoredAnchor, anchorHead: ChainPoint): void {
    assertAnchorContinues(anchor, anchorHead);
    this.#sql('INSERT INTO audit_anchors (seq, prev_hash, hash, kind, time, writer_id, body_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      anchor.seq,
      anchor.prevHash,
      anchor.hash,
      anchor.kind,
      anchor.time,
      anchor.writerId,
      anchor.json,
    );
    const insertHead = this.#sql('INSERT INTO audit_anchor_heads (writer_id, seq, anchor_seq, hash) VALUES (?, ?, ?, ?)');
    const markAnchored = this.#sql('UPDATE audit_writers SET anchored_seq = ?, anchored_hash = ? WHERE writer_id = ?');
    for (const head of anchor.heads) {
      insertHead.run(head.writerId, head.seq, anchor.seq, head.hash);
      markAnchored.run(head.seq, head.hash, head.writerId);
    }
  }
}

function writerFromRow(row: WriterRow): WriterRecord {
  return {
    writerId: row.writer_id,
    head: { seq: row.head_seq, hash: row.head_hash },
    retained: { seq: row.retained_seq, hash: row.retained_hash },
    anchored: { seq: row.anchored_seq, hash: row.anchored_hash },
  };
}

function eventFromRow(row: EventRow): StoredEvent {
  return {
    writerId: row.writer_id,
    seq: row.seq,
    prevHash: row.prev_hash,
    hash: row.hash,
    json: row.event_json,
    columns: { id: row.event_id, type: row.type, time: row.time, tenantId: row.tenant_id, action: row.action, status: row.status, model: row.model },
  };
}
