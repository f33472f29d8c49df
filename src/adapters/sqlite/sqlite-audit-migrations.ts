import type { Migration } from '../migration.js';

/**
 * Times are the events' ISO 8601 UTC text with milliseconds: one fixed format, so text order
 * is time order. `event_json` and `body_json` hold the exact canonical JSON that was hashed;
 * the other columns are copies for indexes, checked against the JSON by verification.
 */
export const sqliteAuditMigrations: readonly Migration[] = [
  {
    name: 'audit-001',
    sql: `
      CREATE TABLE audit_writers (
        writer_id TEXT PRIMARY KEY,
        head_seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL,
        retained_seq INTEGER NOT NULL,
        retained_hash TEXT NOT NULL,
        anchored_seq INTEGER NOT NULL,
        anchored_hash TEXT NOT NULL
      );
      CREATE TABLE audit_events (
        writer_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        time TEXT NOT NULL,
        tenant_id TEXT,
        action TEXT,
        status INTEGER,
        model TEXT,
        event_json TEXT NOT NULL,
        PRIMARY KEY (writer_id, seq)
      );
      CREATE INDEX audit_events_by_time ON audit_events (time, writer_id, seq);
      CREATE INDEX audit_events_by_tenant ON audit_events (tenant_id, time, writer_id, seq);
      CREATE INDEX audit_events_by_event_id ON audit_events (event_id);
      CREATE TABLE audit_anchors (
        seq INTEGER PRIMARY KEY,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        time TEXT NOT NULL,
        writer_id TEXT NOT NULL,
        body_json TEXT NOT NULL
      );
      CREATE INDEX audit_anchors_by_time ON audit_anchors (time);
      CREATE TABLE audit_anchor_heads (
        writer_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        anchor_seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (writer_id, seq, anchor_seq)
      );
      CREATE INDEX audit_anchor_heads_by_anchor ON audit_anchor_heads (anchor_seq);
      CREATE TABLE audit_pruned_anchors (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
      );
    `,
  },
];
