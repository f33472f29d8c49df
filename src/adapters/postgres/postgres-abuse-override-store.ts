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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/** One row per subject overridden; `until` NULL: until cleared. Ids sort with COLLATE "C" (byte order), as in every backend. */
export const postgresAbuseOverrideMigrations: readonly Migration[] = [
  {
    name: 'abuse-overrides-001',
    sql: `
      CREATE TABLE abuse_overrides (
        subject_kind TEXT NOT NULL CHECK (subject_kind IN ('key', 'tenant', 'user')),
        subject_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('normal', 'throttled', 'suspended')),
        until TIMESTAMPTZ,
        reason TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (subject_kind, subject_id)
      );
      CREATE INDEX abuse_overrides_by_time ON abuse_overrides (set_at DESC, subject_kind COLLATE "C" DESC, subject_id COLLATE "C" DESC);
    `,
  },
];

/** As node-postgres returns them: TIMESTAMPTZ as Date. */
interface OverrideRow {
  subject_kind: string;
  subject_id: string;
  state: string;
  until: Date | null;
  reason: string;
  set_by: string;
  set_at: Date;
}

const columns = 'subject_kind, subject_id, state, until, reason, set_by, set_at';
const kind = z.enum(['key', 'tenant', 'user']);
const state = z.enum(['normal', 'throttled', 'suspended']);

/** Creates the table if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresAbuseOverrideStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<AbuseOverrideStore> {
  await migratePostgres(pool, postgresAbuseOverrideMigrations, options);
  return {
    async set(override) {
      checkAbuseOverride(override);
      await pool.query(
        `INSERT INTO abuse_overrides (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (subject_kind, subject_id) DO UPDATE SET state = excluded.state, until = excluded.until, reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at`,
        [override.subject.kind, override.subject.id, override.state, override.until ?? null, override.reason, override.by, override.at],
      );
    },
    async clear(subject) {
      checkAbuseSubject(subject);
      const { rows } = await pool.query<OverrideRow>(`DELETE FROM abuse_overrides WHERE subject_kind = $1 AND subject_id = $2 RETURNING ${columns}`, [subject.kind, subject.id]);
      return rows[0] === undefined ? undefined : overrideFromRow(rows[0]);
    },
    async get(subject, { now }) {
      checkAbuseSubject(subject);
      checkTime('now', now);
      const { rows } = await pool.query<OverrideRow>(`SELECT ${columns} FROM abuse_overrides WHERE subject_kind = $1 AND subject_id = $2 AND (until IS NULL OR until > $3)`, [subject.kind, subject.id, now]);
      return rows[0] === undefined ? undefined : overrideFromRow(rows[0]);
    },
    async listActive(options) {
      const limit = checkListActiveOptions(options);
      const { rows } = await pool.query<OverrideRow>(
        `SELECT ${columns} FROM abuse_overrides WHERE until IS NULL OR until > $1 ORDER BY set_at DESC, subject_kind COLLATE "C" DESC, subject_id COLLATE "C" DESC LIMIT $2`,
        [options.now, limit],
      );
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
    at: row.set_at,
  };
  if (row.until !== null) override.until = row.until;
  return override;
}
