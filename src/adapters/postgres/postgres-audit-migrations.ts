import type { Migration } from '../migration.js';

/**
 * `event_json` and `body_json` hold the exact canonical JSON that was hashed (text, not jsonb,
 * which would reorder keys); the other columns are copies for indexes, checked against the JSON
 * by verification. Writer ids use the "C" collation so that their order is the same on every
 * server, whatever its locale. The two descending indexes serve the admin query (newest first,
 * all tenants or one); retention and export use the time index too.
 */
export const postgresAuditMigrations: readonly Migration[] = [
  {
    name: 'audit-001',
    sql: `
      CREATE TABLE audit_writers (
        writer_id TEXT COLLATE "C" PRIMARY KEY,
        head_seq BIGINT NOT NULL,
        head_hash TEXT NOT NULL,
        retained_seq BIGINT NOT NULL,
        retained_hash TEXT NOT NULL,
        anchored_seq BIGINT NOT NULL,
        anchored_hash TEXT NOT NULL
      );
      CREATE TABLE audit_events (
        writer_id TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        time TIMESTAMPTZ NOT NULL,
        tenant_id TEXT,
        action TEXT,
        status INTEGER,
        model TEXT,
        event_json TEXT NOT NULL,
        PRIMARY KEY (writer_id, seq)
      );
      CREATE INDEX audit_events_by_time ON audit_events (time DESC, writer_id DESC, seq DESC);
      CREATE INDEX audit_events_by_tenant ON audit_events (tenant_id, time DESC, writer_id DESC, seq DESC);
      CREATE INDEX audit_events_by_event_id ON audit_events (event_id);
      CREATE TABLE audit_anchors (
        seq BIGINT PRIMARY KEY,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        time TIMESTAMPTZ NOT NULL,
        writer_id TEXT COLLATE "C" NOT NULL,
        body_json TEXT NOT NULL
      );
      CREATE INDEX audit_anchors_by_time ON audit_anchors (time);
      CREATE TABLE audit_anchor_heads (
        writer_id TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        anchor_seq BIGINT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (writer_id, seq, anchor_seq)
      );
      CREATE INDEX audit_anchor_heads_by_anchor ON audit_anchor_heads (anchor_seq);
      CREATE TABLE audit_pruned_anchors (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL
      );
    `,
  },
];
