import {
  checkPushPolicyVersionRequest,
  policyTextHash,
  type PolicyVersion,
  type PolicyVersionStore,
  type PushPolicyVersionRequest,
  type PushPolicyVersionResult,
  type StoredPolicyVersion,
} from '../../ops/rollouts/policy-version-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/** `hash` is sha256 hex of the text's UTF-8 bytes (not the parsed policy's hash). Times are ms since the epoch. */
export const sqlitePolicyVersionMigrations: readonly Migration[] = [
  {
    name: 'policy-versions-001',
    sql: `
      CREATE TABLE policy_versions (
        hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        pushed_by TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX policy_versions_by_time ON policy_versions (created_at DESC, hash DESC);
    `,
  },
];

interface VersionRow {
  hash: string;
  name: string;
  created_at: number;
  pushed_by: string;
  note: string | null;
}

const columns = 'hash, name, created_at, pushed_by, note';

/** Creates the table if needed and returns the store. The database stays the caller's to close. */
export function createSqlitePolicyVersionStore(db: SqliteDatabase): SqlitePolicyVersionStore {
  migrateSqlite(db, sqlitePolicyVersionMigrations);
  return new SqlitePolicyVersionStore(db);
}

/** Policy versions in the embedded database: an insert that does nothing on a known hash, then a read. */
export class SqlitePolicyVersionStore implements PolicyVersionStore {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  #sql(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) this.#statements.set(source, (statement = this.#db.prepare(source)));
    return statement;
  }

  async push(request: PushPolicyVersionRequest): Promise<PushPolicyVersionResult> {
    checkPushPolicyVersionRequest(request);
    const hash = policyTextHash(request.text);
    const inserted = this.#sql(`INSERT INTO policy_versions (${columns}, text) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING ${columns}`).get(
      hash,
      request.name,
      request.now.getTime(),
      request.pushedBy,
      request.note ?? null,
      request.text,
    ) as VersionRow | undefined;
    if (inserted !== undefined) return { version: versionFromRow(inserted), created: true };
    const stored = this.#sql(`SELECT ${columns} FROM policy_versions WHERE hash = ?`).get(hash) as VersionRow | undefined;
    if (stored === undefined) throw new Error('policy version store: a version neither inserted nor found');
    return { version: versionFromRow(stored), created: false };
  }

  async get(hash: string): Promise<StoredPolicyVersion | undefined> {
    const row = this.#sql(`SELECT ${columns}, text FROM policy_versions WHERE hash = ?`).get(hash) as (VersionRow & { text: string }) | undefined;
    return row === undefined ? undefined : { ...versionFromRow(row), text: row.text };
  }

  async list(): Promise<PolicyVersion[]> {
    return (this.#sql(`SELECT ${columns} FROM policy_versions ORDER BY created_at DESC, hash DESC`).all() as VersionRow[]).map(versionFromRow);
  }
}

function versionFromRow(row: VersionRow): PolicyVersion {
  const version: PolicyVersion = { hash: row.hash, name: row.name, createdAt: new Date(row.created_at), pushedBy: row.pushed_by };
  if (row.note !== null) version.note = row.note;
  return version;
}
