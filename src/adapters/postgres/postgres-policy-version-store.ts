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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/** `hash` is sha256 hex of the text's UTF-8 bytes (not the parsed policy's hash). */
export const postgresPolicyVersionMigrations: readonly Migration[] = [
  {
    name: 'policy-versions-001',
    sql: `
      CREATE TABLE policy_versions (
        hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        pushed_by TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX policy_versions_by_time ON policy_versions (created_at DESC, hash COLLATE "C" DESC);
    `,
  },
];

interface VersionRow {
  hash: string;
  name: string;
  created_at: Date;
  pushed_by: string;
  note: string | null;
}

const columns = 'hash, name, created_at, pushed_by, note';

/** Creates the table if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresPolicyVersionStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<PostgresPolicyVersionStore> {
  await migratePostgres(pool, postgresPolicyVersionMigrations, options);
  return new PostgresPolicyVersionStore(pool);
}

/**
 * Policy versions shared by every replica. A push is an insert that does nothing on a known hash:
 * of two replicas pushing one text at once, the second waits on the first's row, inserts nothing
 * and reads the first's version.
 */
export class PostgresPolicyVersionStore implements PolicyVersionStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async push(request: PushPolicyVersionRequest): Promise<PushPolicyVersionResult> {
    checkPushPolicyVersionRequest(request);
    const hash = policyTextHash(request.text);
    const inserted = await this.#pool.query<VersionRow>(
      `INSERT INTO policy_versions (${columns}, text) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING RETURNING ${columns}`,
      [hash, request.name, request.now, request.pushedBy, request.note ?? null, request.text],
    );
    if (inserted.rows[0] !== undefined) return { version: versionFromRow(inserted.rows[0]), created: true };
    const { rows } = await this.#pool.query<VersionRow>(`SELECT ${columns} FROM policy_versions WHERE hash = $1`, [hash]);
    if (rows[0] === undefined) throw new Error('policy version store: a version neither inserted nor found');
    return { version: versionFromRow(rows[0]), created: false };
  }

  async get(hash: string): Promise<StoredPolicyVersion | undefined> {
    const { rows } = await this.#pool.query<VersionRow & { text: string }>(`SELECT ${columns}, text FROM policy_versions WHERE hash = $1`, [hash]);
    return rows[0] === undefined ? undefined : { ...versionFromRow(rows[0]), text: rows[0].text };
  }

  async list(): Promise<PolicyVersion[]> {
    const { rows } = await this.#pool.query<VersionRow>(`SELECT ${columns} FROM policy_versions ORDER BY created_at DESC, hash COLLATE "C" DESC`);
    return rows.map(versionFromRow);
  }
}

function versionFromRow(row: VersionRow): PolicyVersion {
  const version: PolicyVersion = { hash: row.hash, name: row.name, createdAt: row.created_at, pushedBy: row.pushed_by };
  if (row.note !== null) version.note = row.note;
  return version;
}
