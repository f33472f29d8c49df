import { z } from 'zod';
import { checkAbuseSubject } from '../../ops/abuse/abuse-score-store.js';
import {
  checkAbuseOverride,
  checkListActiveOptions,
  checkTime,
  type AbuseOverride,
  type AbuseOverrideStore,
} from '../../ops/abuse/abuse-override-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/** One row per subject overridden. Times are integer milliseconds since the epoch; `until` NULL: until cleared. */
export const sqliteAbuseOverrideMigrations: readonly Migration[] = [
  {
    name: 'abuse-overrides-001',
    sql: `
      CREATE TABLE abuse_overrides (
        subject_kind TEXT NOT NULL CHECK (subject_kind IN ('key', 'tenant', 'user')),
        subject_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('normal', 'throttled', 'suspended')),
        until INTEGER,
        reason TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        PRIMARY KEY (subject_kind, subject_id)
      );
      CREATE INDEX abuse_overrides_by_time ON abuse_overrides (set_at DESC, subject_kind DESC, subject_id DESC);
    `,
  },
];

interface OverrideRow {
  subject_kind: string;
  subject_id: string;
  state: string;
  until: number | null;
  reason: string;
  set_by: string;
  set_at: number;
}

const columns = 'subject_kind, subject_id, state, until, reason, set_by, set_at';
const kind = z.enum(['key', 'tenant', 'user']);
const state = z.enum(['normal', 'throttled', 'suspended']);

/** Creates the table if needed and returns the store. The database stays the caller's to close. */
export function createSqliteAbuseOverrideStore(db: SqliteDatabase): AbuseOverrideStore {
  migrateSqlite(db, sqliteAbuseOverrideMigrations);
  const statements = new Map<string, SqliteStatement>();
  const sql = (source: string): SqliteStatement => {
    let statement = statements.get(source);
    if (statement === undefined) statements.set(source, (statement = db.prepare(source)));
    return statement;
  };
  return {
    async set(override) {
      checkAbuseOverride(override);
      sql(
        `INSERT INTO abuse_overrides (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (subject_kind, subject_id) DO UPDATE SET state = excluded.state, until = excluded.until, reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at`,
      ).run(override.subject.kind, override.subject.id, override.state, override.until?.getTime() ?? null, override.reason, override.by, override.at.getTime());
    },
    async clear(subject) {
      checkAbuseSubject(subject);
      const row = sql(`DELETE FROM abuse_overrides WHERE subject_kind = ? AND subject_id = ? RETURNING ${columns}`).get(subject.kind, subject.id) as OverrideRow | undefined;
      return row === undefined ? undefined : overrideFromRow(row);
    },
    async get(subject, { now }) {
      checkAbuseSubject(subject);
      checkTime('now', now);
      const row = sql(`SELECT ${columns} FROM abuse_overrides WHERE subject_kind = ? AND subject_id = ? AND (until IS NULL OR until > ?)`).get(subject.kind, subject.id, now.getTime()) as OverrideRow | undefined;
      return row === undefined ? undefined : overrideFromRow(row);
    },
    async listActive(options) {
      const limit = checkListActiveOptions(options);
      const rows = sql(`SELECT ${columns} FROM abuse_overrides WHERE until IS NULL OR until > ? ORDER BY set_at DESC, subject_kind DESC, subject_id DESC LIMIT ?`).all(options.now.getTime(), limit) as OverrideRow[];
      return rows.map(overrideFromRow);
    },
  };
}

function overrideFromRow(row: OverrideRow): AbuseOverride {
  const override: AbuseOverride = {
    subject: { kind: kind.parse(row.subject_kind), id: row.subject_id },
    state: state.parse(row.state),
    reason: row.reason,
    by: row.set_by,
    at: new Date(row.set_at),
  };
  if (row.until !== null) override.until = new Date(row.until);
  return override;
}
