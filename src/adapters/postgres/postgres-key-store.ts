import { z } from 'zod';
import type { ApiKeyRecord, InsertKeyResult, KeyStore, KeyWithTenant, MarkKeyUsedRequest, RotateKeyRequest, RotateKeyResult, StoredApiKey, Tenant, TenantPatch } from '../../keys/key-store.js';
import { limitSettingsSchema } from '../../keys/limit-settings-schema.js';
import { scopeSchema } from '../../keys/scopes.js';
import type { LimitSettings } from '../../limits/rate-limiter.js';
import type { Migration } from '../migration.js';
import { migratePostgres, type PostgresPool } from './open-postgres.js';

export const postgresKeyMigrations: readonly Migration[] = [
  {
    name: 'keys-001',
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        limits JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT false
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        prefix TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        scopes TEXT[] NOT NULL,
        limits JSONB,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ,
        replaced_by TEXT,
        rotated_from TEXT,
        grace_until TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ
      );
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at, id);
    `,
  },
];

/** As node-postgres returns them: TIMESTAMPTZ as Date, JSONB parsed, TEXT[] as an array. */
interface TenantRow {
  id: string;
  name: string;
  limits: unknown;
  created_at: Date;
  disabled: boolean;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  prefix: string;
  name: string;
  scopes: unknown;
  limits: unknown;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  replaced_by: string | null;
  rotated_from: string | null;
  grace_until: Date | null;
  last_used_at: Date | null;
}

const keyColumnList = ['id', 'tenant_id', 'prefix', 'name', 'scopes', 'limits', 'created_at', 'expires_at', 'revoked_at', 'replaced_by', 'rotated_from', 'grace_until', 'last_used_at'];
const keyColumns = keyColumnList.join(', ');
const tenantColumns = 'id, name, limits, created_at, disabled';
const scopeList = z.array(scopeSchema);

const foreignKeyViolation = '23503';

/** Creates the tables if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresKeyStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<PostgresKeyStore> {
  await migratePostgres(pool, postgresKeyMigrations, options);
  return new PostgresKeyStore(pool);
}

/**
 * Keys and tenants shared by every gateway replica. Nothing is cached: a revocation committed
 * by one replica is read by the next request on any other.
 */
export class PostgresKeyStore implements KeyStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async createTenant(tenant: Tenant): Promise<'created' | 'exists'> {
    const result = await this.#pool.query(
      'INSERT INTO tenants (id, name, limits, created_at, disabled) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING',
      [tenant.id, tenant.name, JSON.stringify(tenant.limits), tenant.createdAt, tenant.disabled],
    );
    return result.rowCount === 1 ? 'created' : 'exists';
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const { rows } = await this.#pool.query<TenantRow>(`SELECT ${tenantColumns} FROM tenants WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : tenantFromRow(rows[0]);
  }

  async listTenants(): Promise<Tenant[]> {
    // COLLATE "C": byte order, the same as the other stores, whatever the database's locale.
    const { rows } = await this.#pool.query<TenantRow>(`SELECT ${tenantColumns} FROM tenants ORDER BY id COLLATE "C"`);
    return rows.map(tenantFromRow);
  }

  async updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    const { rows } = await this.#pool.query<TenantRow>(
      `UPDATE tenants SET name = coalesce($2, name), limits = coalesce($3::jsonb, limits), disabled = coalesce($4, disabled)
       WHERE id = $1 RETURNING ${tenantColumns}`,
      [id, patch.name ?? null, patch.limits === undefined ? null : JSON.stringify(patch.limits), patch.disabled ?? null],
    );
    return rows[0] === undefined ? undefined : tenantFromRow(rows[0]);
  }

  async insertKey(key: StoredApiKey): Promise<InsertKeyResult> {
    try {
      const { rowCount } = await this.#pool.query(insertKeySql, insertKeyValues(key));
      return rowCount === 1 ? 'inserted' : 'duplicate_id';
    } catch (error) {
      if ((error as { code?: unknown }).code === foreignKeyViolation) return 'unknown_tenant';
      throw error;
    }
  }

  async findKeyByHash(hash: string): Promise<KeyWithTenant | undefined> {
    const { rows } = await this.#pool.query<KeyRow & { tenant_name: string; tenant_limits: unknown; tenant_created_at: Date; tenant_disabled: boolean }>(
      `SELECT ${keyColumnList.map((column) => `k.${column}`).join(', ')},
              t.name AS tenant_name, t.limits AS tenant_limits, t.created_at AS tenant_created_at, t.disabled AS tenant_disabled
       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = $1`,
      [hash],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      key: keyFromRow(row),
      tenant: tenantFromRow({ id: row.tenant_id, name: row.tenant_name, limits: row.tenant_limits, created_at: row.tenant_created_at, disabled: row.tenant_disabled }),
    };
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<KeyRow>(`SELECT ${keyColumns} FROM api_keys WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : keyFromRow(rows[0]);
  }

  async listKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.#pool.query<KeyRow>(`SELECT ${keyColumns} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id COLLATE "C"`, [tenantId]);
    return rows.map(keyFromRow);
  }

  async revokeKey(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<KeyRow>(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${keyColumns}`, [id, at]);
    return rows[0] === undefined ? undefined : keyFromRow(rows[0]);
  }

  async rotateKey(request: RotateKeyRequest): Promise<RotateKeyResult> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        // The conditional UPDATE locks the old key's row: a rotation running at the same time
        // waits for this transaction, then finds `replaced_by` set and changes nothing.
        const previous = await client.query<KeyRow>(
          `UPDATE api_keys SET replaced_by = $2, grace_until = $3
           WHERE id = $1 AND replaced_by IS NULL AND revoked_at IS NULL RETURNING ${keyColumns}`,
          [request.id, request.successor.id, request.graceUntil],
        );
        const previousRow = previous.rows[0];
        if (previousRow === undefined) {
          await client.query('ROLLBACK');
          const current = await this.getKey(request.id);
          if (current === undefined) return { status: 'not_found' };
          return { status: current.revokedAt === undefined ? 'already_rotated' : 'revoked' };
        }
        const inserted = await client.query<KeyRow>(`${insertKeySql} RETURNING ${keyColumns}`, insertKeyValues(request.successor));
        const successorRow = inserted.rows[0];
        if (successorRow === undefined) {
          await client.query('ROLLBACK');
          return { status: 'duplicate_id' };
        }
        await client.query('COMMIT');
        return { status: 'rotated', previous: keyFromRow(previousRow), successor: keyFromRow(successorRow) };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async updateKeyLimits(id: string, limits: LimitSettings | undefined): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<KeyRow>(`UPDATE api_keys SET limits = $2::jsonb WHERE id = $1 RETURNING ${keyColumns}`, [
      id,
      limits === undefined ? null : JSON.stringify(limits),
    ]);
    return rows[0] === undefined ? undefined : keyFromRow(rows[0]);
  }

  async markKeyUsed(request: MarkKeyUsedRequest): Promise<void> {
    await this.#pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)', [
      request.id,
      request.at,
      request.ifUnusedSince,
    ]);
  }
}

// ON CONFLICT DO NOTHING covers both unique columns (id, key_hash): a taken id inserts no row.
const insertKeySql = `INSERT INTO api_keys (${keyColumns}, key_hash)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`;

function insertKeyValues(key: StoredApiKey): unknown[] {
  return [
    key.id,
    key.tenantId,
    key.prefix,
    key.name,
    key.scopes,
    key.limits === undefined ? null : JSON.stringify(key.limits),
    key.createdAt,
    key.expiresAt ?? null,
    key.revokedAt ?? null,
    key.replacedBy ?? null,
    key.rotatedFrom ?? null,
    key.graceUntil ?? null,
    key.lastUsedAt ?? null,
    key.hash,
  ];
}

function tenantFromRow(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, limits: limitSettingsSchema.parse(row.limits), createdAt: row.created_at, disabled: row.disabled };
}

function keyFromRow(row: KeyRow): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: row.id,
    tenantId: row.tenant_id,
    prefix: row.prefix,
    name: row.name,
    scopes: scopeList.parse(row.scopes),
    createdAt: row.created_at,
  };
  if (row.expires_at !== null) record.expiresAt = row.expires_at;
  if (row.revoked_at !== null) record.revokedAt = row.revoked_at;
  if (row.replaced_by !== null) record.replacedBy = row.replaced_by;
  if (row.rotated_from !== null) record.rotatedFrom = row.rotated_from;
  if (row.grace_until !== null) record.graceUntil = row.grace_until;
  if (row.limits !== null) record.limits = limitSettingsSchema.parse(row.limits);
  if (row.last_used_at !== null) record.lastUsedAt = row.last_used_at;
  return record;
}
