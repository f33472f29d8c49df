import { PalisadeError } from '../../core/errors.js';
import type { ToolSigningKeyMaterial } from '../../tools/tool-signing-key.js';
import type { ToolPublicKey, ToolSigningKeyStore } from '../../tools/tool-signing-key-store.js';
import type { Migration } from '../migration.js';
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * `slot` is 'current' on the key tokens are signed with, and NULL on a retired one: the UNIQUE
 * constraint makes "one current key" the database's rule, so replicas creating it at once cannot
 * both succeed (NULLs never collide, so retired keys can pile up).
 */
export const postgresToolSigningKeyMigrations: readonly Migration[] = [
  {
    name: 'tool-signing-keys-001',
    sql: `
      CREATE TABLE tool_signing_keys (
        key_id TEXT PRIMARY KEY,
        private_key_pem TEXT NOT NULL,
        public_key_pem TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        slot TEXT UNIQUE CHECK (slot = 'current')
      );
    `,
  },
];

interface KeyRow {
  key_id: string;
  private_key_pem: string;
  public_key_pem: string;
  created_at: Date;
  slot: string | null;
}

/** Creates the table if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresToolSigningKeyStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<ToolSigningKeyStore> {
  await migratePostgres(pool, postgresToolSigningKeyMigrations, options);
  return {
    async getOrCreate(candidate: ToolSigningKeyMaterial): Promise<ToolSigningKeyMaterial> {
      // Two statements, not one: under READ COMMITTED an INSERT that found a conflicting row
      // committed by another replica after the statement began does nothing, and a SELECT in the
      // same statement would not see that row. The second statement does. `created_at` is the
      // database's clock, the same for every replica.
      await pool.query(
        "INSERT INTO tool_signing_keys (key_id, private_key_pem, public_key_pem, slot) VALUES ($1, $2, $3, 'current') ON CONFLICT DO NOTHING",
        [candidate.keyId, candidate.privateKeyPem, candidate.publicKeyPem],
      );
      const { rows } = await pool.query<Pick<KeyRow, 'key_id' | 'private_key_pem' | 'public_key_pem'>>(
        "SELECT key_id, private_key_pem, public_key_pem FROM tool_signing_keys WHERE slot = 'current'",
      );
      const row = rows[0];
      if (row === undefined) throw new PalisadeError('internal_error', 'tool signing key store: the candidate collides with a retired key and there is no current key');
      return { keyId: row.key_id, privateKeyPem: row.private_key_pem, publicKeyPem: row.public_key_pem };
    },
    async list(): Promise<ToolPublicKey[]> {
      const { rows } = await pool.query<Omit<KeyRow, 'private_key_pem'>>('SELECT key_id, public_key_pem, created_at, slot FROM tool_signing_keys ORDER BY created_at, key_id COLLATE "C"');
      return rows.map((row) => ({ keyId: row.key_id, publicKeyPem: row.public_key_pem, createdAt: row.created_at, current: row.slot === 'current' }));
    },
  };
}
