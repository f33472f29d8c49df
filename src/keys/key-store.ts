/**
 * Tenants and their API keys: the interface every backend (memory, SQLite, PostgreSQL)
 * implements, checked by one contract suite (`key-store-contract.ts`).
 *
 * Stores hold no plaintext key, only its sha256 (`api-key-format.ts`). Every read goes to the
 * backing database: there is deliberately no cache of key validity, so a revocation written by
 * one replica is seen by the next request on every other replica.
 */
import type { LimitSettings } from '../limits/rate-limiter.js';
import type { Scope } from './scopes.js';

export interface Tenant {
  /** A slug: lowercase letters, digits and inner hyphens (`tenantIdSchema`). */
  id: string;
  name: string;
  /** Limits shared by all the tenant's keys. */
  limits: LimitSettings;
  createdAt: Date;
  /** A disabled tenant's keys are all refused. */
  disabled: boolean;
}

/** What callers may see of a key: never its hash, never its secret. */
export interface ApiKeyRecord {
  /** The random id inside the key (`psk_<id>_…`). */
  id: string;
  tenantId: string;
  /** `psk_<id>`: the part of the key that is safe to show and log. */
  prefix: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
  /** Set when the key was rotated: the id of its successor. */
  replacedBy?: string;
  /** Set on a successor: the id of the key it replaced. */
  rotatedFrom?: string;
  /** Set when the key was rotated: it is accepted until then. */
  graceUntil?: Date;
  /** Per-key limits, applied besides the tenant's; absent: only the tenant's limits apply. */
  limits?: LimitSettings;
  /** Updated at most once per interval (see `authenticate`), not on every request. */
  lastUsedAt?: Date;
}

/** A key as written to a store: the record plus the sha256 of the whole key (64 lowercase hex). */
export interface StoredApiKey extends ApiKeyRecord {
  hash: string;
}

export interface TenantPatch {
  name?: string;
  limits?: LimitSettings;
  disabled?: boolean;
}

/** The key a hash belongs to and its tenant, read together because every request needs both. */
export interface KeyWithTenant {
  key: ApiKeyRecord;
  tenant: Tenant;
}

export type InsertKeyResult = 'inserted' | 'duplicate_id' | 'unknown_tenant';

export interface RotateKeyRequest {
  /** The key being replaced. */
  id: string;
  successor: StoredApiKey;
  /** The replaced key stays valid until then. */
  graceUntil: Date;
}

export type RotateKeyResult =
  | { status: 'rotated'; previous: ApiKeyRecord; successor: ApiKeyRecord }
  /** No key has that id. */
  | { status: 'not_found' }
  | { status: 'revoked' }
  /** The key already has a successor (possibly from a rotation running at the same time). */
  | { status: 'already_rotated' }
  /** The successor's id is taken; nothing was changed, retry with another id. */
  | { status: 'duplicate_id' };

export interface MarkKeyUsedRequest {
  id: string;
  at: Date;
  /** Write only if the key was not marked used after this time: a few writes per interval at most. */
  ifUnusedSince: Date;
}

export interface KeyStore {
  /** `exists` when a tenant has that id; the stored one is left as it is. */
  createTenant(tenant: Tenant): Promise<'created' | 'exists'>;
  getTenant(id: string): Promise<Tenant | undefined>;
  /** All tenants, by id. */
  listTenants(): Promise<Tenant[]>;
  /** Changes the fields given; `undefined` when there is no such tenant. */
  updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined>;

  insertKey(key: StoredApiKey): Promise<InsertKeyResult>;
  /** The authentication lookup: the key whose hash this is, with its tenant. */
  findKeyByHash(hash: string): Promise<KeyWithTenant | undefined>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** A tenant's keys (revoked and rotated ones included), oldest first. */
  listKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` unless already set (the first revocation time is kept). */
  revokeKey(id: string, at: Date): Promise<ApiKeyRecord | undefined>;
  /**
   * Atomically inserts the successor and sets the old key's `replacedBy` and `graceUntil`,
   * only if the old key is neither revoked nor already rotated: of two rotations of the same
   * key running at once, exactly one succeeds.
   */
  rotateKey(request: RotateKeyRequest): Promise<RotateKeyResult>;
  /** Replaces the key's own limits (`undefined`: none). */
  updateKeyLimits(id: string, limits: LimitSettings | undefined): Promise<ApiKeyRecord | undefined>;
  markKeyUsed(request: MarkKeyUsedRequest): Promise<void>;
}
