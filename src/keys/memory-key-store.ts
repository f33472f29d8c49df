import type { LimitSettings } from '../limits/rate-limiter.js';
import type {
  ApiKeyRecord,
  InsertKeyResult,
  KeyStore,
  KeyWithTenant,
  MarkKeyUsedRequest,
  RotateKeyRequest,
  RotateKeyResult,
  StoredApiKey,
  Tenant,
  TenantPatch,
} from './key-store.js';

/**
 * Keys and tenants in this process only: for tests and single-process use without a database.
 * Everything is copied in and out, so callers can never change stored state by mutating a result.
 */
export class MemoryKeyStore implements KeyStore {
  readonly #tenants = new Map<string, Tenant>();
  readonly #keys = new Map<string, StoredApiKey>();
  /** sha256 → key id. Looking up a hash of a high-entropy secret leaks nothing worth timing. */
  readonly #idsByHash = new Map<string, string>();

  async createTenant(tenant: Tenant): Promise<'created' | 'exists'> {
    if (this.#tenants.has(tenant.id)) return 'exists';
    this.#tenants.set(tenant.id, structuredClone(tenant));
    return 'created';
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const tenant = this.#tenants.get(id);
    return tenant === undefined ? undefined : structuredClone(tenant);
  }

  async listTenants(): Promise<Tenant[]> {
    return [...this.#tenants.values()].sort((a, b) => compareText(a.id, b.id)).map((tenant) => structuredClone(tenant));
  }

  async updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    const tenant = this.#tenants.get(id);
    if (tenant === undefined) return undefined;
    if (patch.name !== undefined) tenant.name = patch.name;
    if (patch.limits !== undefined) tenant.limits = structuredClone(patch.limits);
    if (patch.disabled !== undefined) tenant.disabled = patch.disabled;
    return structuredClone(tenant);
  }

  async insertKey(key: StoredApiKey): Promise<InsertKeyResult> {
    return this.#insert(key);
  }

  #insert(key: StoredApiKey): InsertKeyResult {
    if (!this.#tenants.has(key.tenantId)) return 'unknown_tenant';
    if (this.#keys.has(key.id) || this.#idsByHash.has(key.hash)) return 'duplicate_id';
    this.#keys.set(key.id, structuredClone(key));
    this.#idsByHash.set(key.hash, key.id);
    return 'inserted';
  }

  async findKeyByHash(hash: string): Promise<KeyWithTenant | undefined> {
    const id = this.#idsByHash.get(hash);
    const key = id === undefined ? undefined : this.#keys.get(id);
    const tenant = key === undefined ? undefined : this.#tenants.get(key.tenantId);
    if (key === undefined || tenant === undefined) return undefined;
    return { key: publicRecord(key), tenant: structuredClone(tenant) };
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const key = this.#keys.get(id);
    return key === undefined ? undefined : publicRecord(key);
  }

  async listKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return [...this.#keys.values()]
      .filter((key) => key.tenantId === tenantId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareText(a.id, b.id))
      .map(publicRecord);
  }

  async revokeKey(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const key = this.#keys.get(id);
    if (key === undefined) return undefined;
    key.revokedAt ??= new Date(at.getTime());
    return publicRecord(key);
  }

  async rotateKey(request: RotateKeyRequest): Promise<RotateKeyResult> {
    // No await between the checks and the writes: the rotation is atomic within this process.
    const old = this.#keys.get(request.id);
    if (old === undefined) return { status: 'not_found' };
    if (old.revokedAt !== undefined) return { status: 'revoked' };
    if (old.replacedBy !== undefined) return { status: 'already_rotated' };
    const inserted = this.#insert(request.successor);
    if (inserted === 'unknown_tenant') throw new Error('a key belongs to a tenant that does not exist');
    if (inserted === 'duplicate_id') return { status: 'duplicate_id' };
    old.replacedBy = request.successor.id;
    old.graceUntil = new Date(request.graceUntil.getTime());
    return { status: 'rotated', previous: publicRecord(old), successor: publicRecord(request.successor) };
  }

  async updateKeyLimits(id: string, limits: LimitSettings | undefined): Promise<ApiKeyRecord | undefined> {
    const key = this.#keys.get(id);
    if (key === undefined) return undefined;
    if (limits === undefined) delete key.limits;
    else key.limits = structuredClone(limits);
    return publicRecord(key);
  }

  async markKeyUsed(request: MarkKeyUsedRequest): Promise<void> {
    const key = this.#keys.get(request.id);
    if (key === undefined) return;
    if (key.lastUsedAt !== undefined && key.lastUsedAt.getTime() > request.ifUnusedSince.getTime()) return;
    key.lastUsedAt = new Date(request.at.getTime());
  }
}

function publicRecord(key: StoredApiKey): ApiKeyRecord {
  const { hash: _hash, ...record } = structuredClone(key);
  return record;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
