import { PalisadeError } from '../../core/errors.js';
import type { ToolSigningKeyMaterial } from '../../tools/tool-signing-key.js';
import type { ToolPublicKey, ToolSigningKeyStore } from '../../tools/tool-signing-key-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase } from './open-sqlite.js';

/**
 * `slot` is 'current' on the key tokens are signed with, and NULL on a retired one: the UNIQUE
 * constraint makes "one current key" the database's rule, so two processes creating it at once
 * cannot both succeed (NULLs never collide, so retired keys can pile up).
 */
export const sqliteToolSigningKeyMigrations: readonly Migration[] = [
  {
    name: 'tool-signing-keys-001',
    sql: `
      CREATE TABLE tool_signing_keys (
        key_id TEXT PRIMARY KEY,
        private_key_pem TEXT NOT NULL,
        public_key_pem TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        slot TEXT UNIQUE CHECK (slot = 'current')
      );
    `,
  },
];

interface KeyRow {
  key_id: string;
  private_key_pem: string;
  public_key_pem: string;
  created_at: number;
  slot: string | null;
}

export interface SqliteToolSigningKeyStoreOptions {
  /** Stamps `createdAt`; tests pass a fixed clock. */
  now?: () => Date;
}

/** Creates the table if needed and returns the store. The database stays the caller's to close. */
export function createSqliteToolSigningKeyStore(db: SqliteDatabase, options: SqliteToolSigningKeyStoreOptions = {}): ToolSigningKeyStore {
  migrateSqlite(db, sqliteToolSigningKeyMigrations);
  const now = options.now ?? (() => new Date());
  const insert = db.prepare("INSERT INTO tool_signing_keys (key_id, private_key_pem, public_key_pem, created_at, slot) VALUES (?, ?, ?, ?, 'current') ON CONFLICT DO NOTHING");
  const selectCurrent = db.prepare("SELECT key_id, private_key_pem, public_key_pem FROM tool_signing_keys WHERE slot = 'current'");
  const selectAll = db.prepare('SELECT key_id, public_key_pem, created_at, slot FROM tool_signing_keys ORDER BY created_at, key_id');
  return {
    async getOrCreate(candidate: ToolSigningKeyMaterial): Promise<ToolSigningKeyMaterial> {
      // Each statement is atomic under SQLite's write lock: of two processes inserting at once,
      // one inserts and the other's insert does nothing; both then read the one current key.
      insert.run(candidate.keyId, candidate.privateKeyPem, candidate.publicKeyPem, now().getTime());
      const row = selectCurrent.get() as Pick<KeyRow, 'key_id' | 'private_key_pem' | 'public_key_pem'> | undefined;
      if (row === undefined) throw new PalisadeError('internal_error', 'tool signing key store: the candidate collides with a retired key and there is no current key');
      return { keyId: row.key_id, privateKeyPem: row.private_key_pem, publicKeyPem: row.public_key_pem };
    },
    async list(): Promise<ToolPublicKey[]> {
      return (selectAll.all() as Omit<KeyRow, 'private_key_pem'>[]).map((row) => ({
        keyId: row.key_id,
        publicKeyPem: row.public_key_pem,
        createdAt: new Date(row.created_at),
        current: row.slot === 'current',
      }));
    },
  };
}
