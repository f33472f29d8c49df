import { z } from 'zod';
import type { ApiKeyRecord, InsertKeyResult, KeyStore, KeyWithTenant, MarkKeyUsedRequest, RotateKeyRequest, RotateKeyResult, StoredApiKey, Tenant, TenantPatch } from '../../keys/key-store.js';
import { limitSettingsSchema } from '../../keys/limit-settings-schema.js';
import { scopeSchema } from '../../keys/scopes.js';
import type { LimitSettings } from '../../limits/rate-limiter.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/** Times are integer milliseconds since the epoch: exact, compact and compared as numbers. */
export const sqliteKeyMigrations: readonly Migration[] = [
  {
    name: 'keys-001',
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        limits TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        prefix TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        limits TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        replaced_by TEXT,
        rotated_from TEXT,
        grace_until INTEGER,
        last_used_at INTEGER
      );
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at, id);
    `,
  },
];

interface TenantRow {
  id: string;
  name: string;
  limits: string;
  created_at: number;
  disabled: number;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  prefix: string;
  name: string;
  scopes: string;
  limits: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  replaced_by: string | null;
  rotated_from: string | null;
  grace_until: number | null;
  last_used_at: number | null;
}

const keyColumns = 'id, tenant_id, prefix, name, scopes, limits, created_at, expires_at, revoked_at, replaced_by, rotated_from, grace_until, last_used_at';
const tenantColumns = 'id, name, limits, created_at, disabled';
const scopesJson = z.array(scopeSchema);

/** Creates the tables if needed and returns the store. The database stays the caller's to close. */
export function createSqliteKeyStore(db: SqliteDatabase): SqliteKeyStore {
  migrateSqlite(db, sqliteKeyMigrations);
  return new SqliteKeyStore(db);
}

/**
 * Keys and tenants in the embedded database. Every call reads the file, so a second process
 * on the same file (the CLI revoking a key) is seen by the gateway's next request.
 */
export class SqliteKeyStore implements KeyStore {
  readonly #db: SqliteDatabase;
  /** Prepared once per query text: preparing is most of a lookup's cost, and every request looks up its key. */
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  #sql(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) this.#statements.set(source, (statement = this.#db.prepare(source)));
    return statement;
  }

  async createTenant(tenant: Tenant): Promise<'created' | 'exists'> {
    const result = this.#sql('INSERT INTO tenants (id, name, limits, created_at, disabled) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
      .run(tenant.id, tenant.name, JSON.stringify(tenant.limits), tenant.createdAt.getTime(), tenant.disabled ? 1 : 0);
    return result.changes === 1 ? 'created' : 'exists';
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const row = this.#sql(`SELECT ${tenantColumns} FROM tenants WHERE id = ?`).get(id) as TenantRow | undefined;
    return row === undefined ? undefined : tenantFromRow(row);
  }

  async listTenants(): Promise<Tenant[]> {
    return (this.#sql(`SELECT ${tenantColumns} FROM tenants ORDER BY id`).all() as TenantRow[]).map(tenantFromRow);
  }

  async updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    const row = this.#sql(
        `UPDATE tenants SET name = coalesce(?, name), limits = coalesce(?, limits), disabled = coalesce(?, disabled)
         WHERE id = ? RETURNING ${tenantColumns}`,
      )
      .get(patch.name ?? null, patch.limits === undefined ? null : JSON.stringify(patch.limits), patch.disabled === undefined ? null : patch.disabled ? 1 : 0, id) as
      | TenantRow
      | undefined;
    return row === undefined ? undefined : tenantFromRow(row);
  }

  async insertKey(key: StoredApiKey): Promise<InsertKeyResult> {
    return this.#insert(key);
  }

  async findKeyByHash(hash: string): Promise<KeyWithTenant | undefined> {
    const row = this.#sql(
        `SELECT ${keyColumns.split(', ').map((column) => `k.${column}`).join(', ')},
                t.name AS tenant_name, t.limits AS tenant_limits, t.created_at AS tenant_created_at, t.disabled AS tenant_disabled
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = ?`,
      )
      .get(hash) as (KeyRow & { tenant_name: string; tenant_limits: string; tenant_created_at: number; tenant_disabled: number }) | undefined;
    if (row === undefined) return undefined;
    return {
      key: keyFromRow(row),
      tenant: tenantFromRow({ id: row.tenant_id, name: row.tenant_name, limits: row.tenant_limits, created_at: row.tenant_created_at, disabled: row.tenant_disabled }),
    };
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#getKey(id);
  }

  async listKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return (this.#sql(`SELECT ${keyColumns} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`).all(tenantId) as KeyRow[]).map(keyFromRow);
  }

  async revokeKey(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const row = this.#sql(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING ${keyColumns}`).get(at.getTime(), id) as KeyRow | undefined;
    return row === undefined ? undefined : keyFromRow(row);
  }

  async rotateKey(request: RotateKeyRequest): Promise<RotateKeyResult> {
    // IMMEDIATE takes the write lock first, so another connection cannot rotate between our
    // check and our writes; the conditional UPDATE is the check.
    const rotate = this.#db.transaction((): RotateKeyResult => {
      const previous = this.#sql(`UPDATE api_keys SET replaced_by = ?, grace_until = ? WHERE id = ? AND replaced_by IS NULL AND revoked_at IS NULL RETURNING ${keyColumns}`)
        .get(request.successor.id, request.graceUntil.getTime(), request.id) as KeyRow | undefined;
      if (previous === undefined) {
        const current = this.#getKey(request.id);
        if (current === undefined) return { status: 'not_found' };
        return { status: current.revokedAt === undefined ? 'already_rotated' : 'revoked' };
      }
      const inserted = this.#insert(request.successor);
      if (inserted === 'unknown_tenant') throw new Error('a key belongs to a tenant that does not exist');
      if (inserted === 'duplicate_id') throw new DuplicateSuccessor();
      return { status: 'rotated', previous: keyFromRow(previous), successor: this.#getKey(request.successor.id) as ApiKeyRecord };
    });
    try {
      return rotate.immediate();
    } catch (error) {
      if (error instanceof DuplicateSuccessor) return { status: 'duplicate_id' };
      throw error;
    }
  }

  async updateKeyLimits(id: string, limits: LimitSettings | undefined): Promise<ApiKeyRecord | undefined> {
    const row = this.#sql(`UPDATE api_keys SET limits = ? WHERE id = ? RETURNING ${keyColumns}`)
      .get(limits === undefined ? null : JSON.stringify(limits), id) as KeyRow | undefined;
    return row === undefined ? undefined : keyFromRow(row);
  }

  async markKeyUsed(request: MarkKeyUsedRequest): Promise<void> {
    this.#sql('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)')
      .run(request.at.getTime(), request.id, request.ifUnusedSince.getTime());
  }

  #getKey(id: string): ApiKeyRecord | undefined {
    const row = this.#sql(`SELECT ${keyColumns} FROM api_keys WHERE id = ?`).get(id) as KeyRow | undefined;
    return row === undefined ? undefined : keyFromRow(row);
  }

  #insert(key: StoredApiKey): InsertKeyResult {
    try {
      this.#sql(
          `INSERT INTO api_keys (${keyColumns}, key_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          key.id,
          key.tenantId,
          key.prefix,
          key.name,
          JSON.stringify(key.scopes),
          key.limits === undefined ? null : JSON.stringify(key.limits),
          key.createdAt.getTime(),
          key.expiresAt?.getTime() ?? null,
          key.revokedAt?.getTime() ?? null,
          key.replacedBy ?? null,
          key.rotatedFrom ?? null,
          key.graceUntil?.getTime() ?? null,
          key.lastUsedAt?.getTime() ?? null,
          key.hash,
        );
      return 'inserted';
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'unknown_tenant';
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'duplicate_id';
      throw error;
    }
  }
}

/** Thrown inside the rotation transaction to roll it back. */
class DuplicateSuccessor extends Error {}

function tenantFromRow(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    limits: limitSettingsSchema.parse(JSON.parse(row.limits)),
    createdAt: new Date(row.created_at),
    disabled: row.disabled === 1,
  };
}

function keyFromRow(row: KeyRow): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: row.id,
    tenantId: row.tenant_id,
    prefix: row.prefix,
    name: row.name,
    scopes: scopesJson.parse(JSON.parse(row.scopes)),
    createdAt: new Date(row.created_at),
  };
  if (row.expires_at !== null) record.expiresAt = new Date(row.expires_at);
  if (row.revoked_at !== null) record.revokedAt = new Date(row.revoked_at);
  if (row.replaced_by !== null) record.replacedBy = row.replaced_by;
  if (row.rotated_from !== null) record.rotatedFrom = row.rotated_from;
  if (row.grace_until !== null) record.graceUntil = new Date(row.grace_until);
  if (row.limits !== null) record.limits = limitSettingsSchema.parse(JSON.parse(row.limits));
  if (row.last_used_at !== null) record.lastUsedAt = new Date(row.last_used_at);
  return record;
}
