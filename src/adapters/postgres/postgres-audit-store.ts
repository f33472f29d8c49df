import type pg from 'pg';
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
import { migratePostgres, type PostgresPool } from './open-postgres.js';
import { postgresAuditMigrations } from './postgres-audit-migrations.js';

type Queryable = Pick<pg.PoolClient, 'query'>;
type Row = Record<string, unknown>;

const eventColumns = 'writer_id, seq, prev_hash, hash, event_id, type, time, tenant_id, action, status, model, event_json';
const writerColumns = 'writer_id, head_seq, head_hash, retained_seq, retained_hash, anchored_seq, anchored_hash';

/** Creates the tables if needed and returns the store. The pool stays the caller's to end. */
export async function createPostgresAuditStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<PostgresAuditStore> {
  await migratePostgres(pool, postgresAuditMigrations, options);
  return new PostgresAuditStore(pool);
}

/**
 * The audit log in PostgreSQL, shared by every replica. A batch is one transaction (one
 * multi-row insert) that locks only its writer's row, so replicas append in parallel. Anchors
 * and retention take an EXCLUSIVE lock on the anchor table (readers are not blocked), which
 * serialises the anchor chain across replicas.
 */
export class PostgresAuditStore implements AuditStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async appendEvents(batch: EventBatch): Promise<void> {
    const last = batch.events.at(-1);
    if (last === undefined) return;
    await this.#transaction(async (client) => {
      await client.query(
        `INSERT INTO audit_writers (${writerColumns}) VALUES ($1, 0, $2, 0, $2, 0, $2) ON CONFLICT (writer_id) DO NOTHING`,
        [batch.writerId, emptyChain.hash],
      );
      const stored = await client.query('SELECT head_seq, head_hash FROM audit_writers WHERE writer_id = $1 FOR UPDATE', [batch.writerId]);
      const row = stored.rows[0] as Row;
      assertBatchContinues(batch, { seq: Number(row.head_seq), hash: String(row.head_hash) });
      const events = batch.events;
      await client.query(
        `INSERT INTO audit_events (${eventColumns})
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::int[], $11::text[], $12::text[])`,
        [
          events.map((event) => event.writerId),
          events.map((event) => event.seq),
          events.map((event) => event.prevHash),
          events.map((event) => event.hash),
          events.map((event) => event.columns.id),
          events.map((event) => event.columns.type),
          events.map((event) => event.columns.time),
          events.map((event) => event.columns.tenantId),
          events.map((event) => event.columns.action),
          events.map((event) => event.columns.status),
          events.map((event) => event.columns.model),
          events.map((event) => event.json),
        ],
      );
      await client.query('UPDATE audit_writers SET head_seq = $2, head_hash = $3 WHERE writer_id = $1', [batch.writerId, last.seq, last.hash]);
    });
  }

  async appendAnchor(options: { writerId: string; build: (state: AnchorState) => StoredAnchor | undefined }): Promise<StoredAnchor | undefined> {
    return this.#transaction(async (client) => {
      await client.query('LOCK TABLE audit_anchors IN EXCLUSIVE MODE');
      const anchorHead = await this.#anchorHead(client);
      const moved = await client.query(`SELECT ${writerColumns} FROM audit_writers WHERE head_seq <> anchored_seq OR head_hash <> anchored_hash ORDER BY writer_id`);
      const self = await this.#writer(client, options.writerId);
      const anchor = options.build({ anchorHead, moved: moved.rows.map(writerFromRow), self });
      if (anchor !== undefined) await this.#insertAnchor(client, anchor, anchorHead);
      return anchor;
    });
  }

  async applyRetention(options: { before: string; build: (state: RetentionState) => StoredAnchor }): Promise<RetentionOutcome> {
    return this.#transaction(async (client) => {
      await client.query('LOCK TABLE audit_anchors IN EXCLUSIVE MODE');
      const anchorHead = await this.#anchorHead(client);
      const cuts = await client.query('SELECT writer_id, MAX(seq) AS seq FROM audit_events WHERE time < $1 GROUP BY writer_id ORDER BY writer_id', [options.before]);
      const cut: WriterHead[] = [];
      let deletedEvents = 0;
      for (const row of cuts.rows as Row[]) {
        const writerId = String(row.writer_id);
        const seq = Number(row.seq);
        const last = await client.query('SELECT hash FROM audit_events WHERE writer_id = $1 AND seq = $2', [writerId, seq]);
        const hash = String((last.rows[0] as Row).hash);
        deletedEvents += (await client.query('DELETE FROM audit_events WHERE writer_id = $1 AND seq <= $2', [writerId, seq])).rowCount ?? 0;
        const moved = await client.query('UPDATE audit_writers SET retained_seq = $2, retained_hash = $3 WHERE writer_id = $1 AND retained_seq < $2', [writerId, seq, hash]);
        if ((moved.rowCount ?? 0) > 0) cut.push({ writerId, seq, hash });
      }
      const old = await client.query('SELECT seq, hash FROM audit_anchors WHERE time < $1 ORDER BY seq DESC LIMIT 1', [options.before]);
      const lastOld = old.rows[0] === undefined ? undefined : pointFromRow(old.rows[0] as Row);
      let prunedAnchors = 0;
      if (lastOld !== undefined) {
        prunedAnchors = (await client.query('DELETE FROM audit_anchors WHERE seq <= $1', [lastOld.seq])).rowCount ?? 0;
        await client.query('DELETE FROM audit_anchor_heads WHERE anchor_seq <= $1', [lastOld.seq]);
        await client.query('INSERT INTO audit_pruned_anchors (id, seq, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash', [
          lastOld.seq,
          lastOld.hash,
        ]);
      }
      const writers = (await client.query(`SELECT ${writerColumns} FROM audit_writers ORDER BY writer_id`)).rows.map(writerFromRow);
      const anchor = options.build({ anchorHead, writers, cut, deletedEvents, prunedAnchors: await this.#prunedAnchors(client) });
      await this.#insertAnchor(client, anchor, anchorHead);
      return { anchor, deletedEvents, prunedAnchors };
    });
  }

  async getWriter(writerId: string): Promise<WriterRecord | undefined> {
    return this.#writer(this.#pool, writerId);
  }

  async listWriters(): Promise<WriterRecord[]> {
    return (await this.#pool.query(`SELECT ${writerColumns} FROM audit_writers ORDER BY writer_id`)).rows.map(writerFromRow);
  }

  async readEvents(options: { writerId: string; afterSeq: number; limit: number }): Promise<StoredEvent[]> {
    const result = await this.#pool.query(`SELECT ${eventColumns} FROM audit_events WHERE writer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [
      options.writerId,
      options.afterSeq,
      options.limit,
    ]);
    return result.rows.map(eventFromRow);
  }

  async readAnchors(options: { afterSeq: number; limit: number }): Promise<StoredAnchor[]> {
    const anchors = await this.#pool.query('SELECT seq, prev_hash, hash, kind, time, writer_id, body_json FROM audit_anchors WHERE seq > $1 ORDER BY seq LIMIT $2', [
      options.afterSeq,
      options.limit,
    ]);
    const rows = anchors.rows as Row[];
    const first = rows[0];
    const last = rows.at(-1);
    if (first === undefined || last === undefined) return [];
    const heads = (await this.#pool.query('SELECT writer_id, seq, anchor_seq, hash FROM audit_anchor_heads WHERE anchor_seq BETWEEN $1 AND $2 ORDER BY anchor_seq, writer_id', [first.seq, last.seq]))
      .rows as Row[];
    return rows.map((row) => ({
      seq: Number(row.seq),
      prevHash: String(row.prev_hash),
      hash: String(row.hash),
      json: String(row.body_json),
      kind: String(row.kind),
      time: (row.time as Date).toISOString(),
      writerId: String(row.writer_id),
      heads: heads.filter((head) => Number(head.anchor_seq) === Number(row.seq)).map((head) => ({ writerId: String(head.writer_id), seq: Number(head.seq), hash: String(head.hash) })),
    }));
  }

  async prunedAnchors(): Promise<ChainPoint | undefined> {
    return this.#prunedAnchors(this.#pool);
  }

  async findAnchorMention(options: { writerId: string; atLeast: number }): Promise<AnchorMention | undefined> {
    const result = await this.#pool.query('SELECT seq, anchor_seq, hash FROM audit_anchor_heads WHERE writer_id = $1 AND seq >= $2 ORDER BY seq, anchor_seq LIMIT 1', [
      options.writerId,
      options.atLeast,
    ]);
    const row = result.rows[0] as Row | undefined;
    return row === undefined ? undefined : { anchorSeq: Number(row.anchor_seq), seq: Number(row.seq), hash: String(row.hash) };
  }

  async queryEvents(options: { filter: EventFilter; after?: EventPosition; limit: number }): Promise<StoredEvent[]> {
    const { filter, after } = options;
    const conditions: string[] = [];
    const values: (string | number)[] = [];
    const add = (condition: (placeholder: string) => string, value: string | number | undefined): void => {
      if (value === undefined) return;
      values.push(value);
      conditions.push(condition(`$${values.length}`));
    };
    add((p) => `tenant_id = ${p}`, filter.tenantId);
    add((p) => `type = ${p}`, filter.type);
    add((p) => `action = ${p}`, filter.action);
    add((p) => `status = ${p}`, filter.status);
    add((p) => `model = ${p}`, filter.model);
    add((p) => `event_id = ${p}`, filter.id);
    // The text column holds the exact JSON that was hashed; these filters read it as jsonb.
    add((p) => `(event_json::jsonb ->> 'actor') = ${p}`, filter.actor);
    if (filter.category !== undefined) {
      values.push(filter.category, `${filter.category}.`);
      const [exact, prefix] = [`$${values.length - 1}`, `$${values.length}`];
      const findings = (stage: string) => `event_json::jsonb #> '{data,${stage},findings}'`;
      const hasCategory = (stage: string) =>
        `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(${findings(stage)}) WHEN 'array' THEN ${findings(stage)} ELSE '[]'::jsonb END) AS finding
           WHERE finding ->> 'category' = ${exact} OR starts_with(finding ->> 'category', ${prefix}))`;
      conditions.push(`(${hasCategory('input')} OR ${hasCategory('output')})`);
    }
    add((p) => `(event_id = ${p} OR (event_json::jsonb #>> '{data,request_id}') = ${p})`, filter.requestId);
    add((p) => `time >= ${p}`, filter.from);
    add((p) => `time < ${p}`, filter.to);
    if (after !== undefined) {
      values.push(after.time, after.writerId, after.seq);
      const n = values.length;
      conditions.push(`(time, writer_id, seq) < ($${n - 2}::timestamptz, $${n - 1}, $${n})`);
    }
    values.push(options.limit);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const result = await this.#pool.query(`SELECT ${eventColumns} FROM audit_events ${where} ORDER BY time DESC, writer_id DESC, seq DESC LIMIT $${values.length}`, values);
    return result.rows.map(eventFromRow);
  }

  async writerSpans(options: { from: string; to: string }): Promise<WriterSpan[]> {
    const result = await this.#pool.query(
      'SELECT writer_id, MIN(seq) AS first_seq, MAX(seq) AS last_seq FROM audit_events WHERE time >= $1 AND time < $2 GROUP BY writer_id ORDER BY writer_id',
      [options.from, options.to],
    );
    return (result.rows as Row[]).map((row) => ({ writerId: String(row.writer_id), firstSeq: Number(row.first_seq), lastSeq: Number(row.last_seq) }));
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async #writer(client: Queryable, writerId: string): Promise<WriterRecord | undefined> {
    const result = await client.query(`SELECT ${writerColumns} FROM audit_writers WHERE writer_id = $1`, [writerId]);
    const row = result.rows[0] as Row | undefined;
    return row === undefined ? undefined : writerFromRow(row);
  }

  async #prunedAnchors(client: Queryable): Promise<ChainPoint | undefined> {
    const row = (await client.query('SELECT seq, hash FROM audit_pruned_anchors WHERE id = 1')).rows[0] as Row | undefined;
    return row === undefined ? undefined : pointFromRow(row);
  }

  async #anchorHead(client: Queryable): Promise<ChainPoint> {
    const row = (await client.query('SELECT seq, hash FROM audit_anchors ORDER BY seq DESC LIMIT 1')).rows[0] as Row | undefined;
    return row === undefined ? ((await this.#prunedAnchors(client)) ?? emptyChain) : pointFromRow(row);
  }

  async #insertAnchor(client: Queryable, anchor: StoredAnchor, anchorHead: ChainPoint): Promise<void> {
    assertAnchorContinues(anchor, anchorHead);
    await client.query('INSERT INTO audit_anchors (seq, prev_hash, hash, kind, time, writer_id, body_json) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      anchor.seq,
      anchor.prevHash,
      anchor.hash,
      anchor.kind,
      anchor.time,
      anchor.writerId,
      anchor.json,
    ]);
    const writers = anchor.heads.map((head) => head.writerId);
    const seqs = anchor.heads.map((head) => head.seq);
    const hashes = anchor.heads.map((head) => head.hash);
    await client.query('INSERT INTO audit_anchor_heads (writer_id, seq, anchor_seq, hash) SELECT w, s, $4, h FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(w, s, h)', [
      writers,
      seqs,
      hashes,
      anchor.seq,
    ]);
    await client.query(
      `UPDATE audit_writers AS writer SET anchored_seq = t.s, anchored_hash = t.h
       FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(w, s, h) WHERE writer.writer_id = t.w`,
      [writers, seqs, hashes],
    );
  }
}

function pointFromRow(row: Row): ChainPoint {
  return { seq: Number(row.seq), hash: String(row.hash) };
}

function writerFromRow(row: Row): WriterRecord {
  return {
    writerId: String(row.writer_id),
    head: { seq: Number(row.head_seq), hash: String(row.head_hash) },
    retained: { seq: Number(row.retained_seq), hash: String(row.retained_hash) },
    anchored: { seq: Number(row.anchored_seq), hash: String(row.anchored_hash) },
  };
}

function eventFromRow(row: Row): StoredEvent {
  const text = (value: unknown): string | null => (value === null ? null : String(value));
  return {
    writerId: String(row.writer_id),
    seq: Number(row.seq),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
    json: String(row.event_json),
    columns: {
      id: String(row.event_id),
      type: String(row.type),
      time: (row.time as Date).toISOString(),
      tenantId: text(row.tenant_id),
      action: text(row.action),
      status: row.status === null ? null : Number(row.status),
      model: text(row.model),
    },
  };
}
