/**
 * Managing API keys: create (the plaintext is returned once and never stored), rotate (the old
 * key keeps working for a grace period), revoke (effective at once: every request reads the
 * store), change a key's limits. Checking who may do these is the caller's job
 * (`requireScope`, `findVisibleKey`).
 */
import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import type { LimitSettings } from '../limits/rate-limiter.js';
import { generateApiKey } from './api-key-format.js';
import type { ApiKeyRecord, KeyStore, StoredApiKey } from './key-store.js';
import { compactLimits, limitSettingsSchema } from './limit-settings-schema.js';
import { parseInput } from './parse-input.js';
import { scopeListSchema, type Scope } from './scopes.js';
import { tenantIdSchema } from './tenants.js';

/** A key's id appearing twice in a row is a 2^-40 event; more than this many is a broken random source. */
const idAttempts = 5;
/** The longest grace period a rotation may give the old key. */
export const maxRotationGraceMs = 30 * 24 * 60 * 60 * 1000;

const keyNameSchema = z.string().trim().max(200);

export interface CreateApiKeyOptions {
  tenantId: string;
  name?: string;
  scopes: readonly Scope[];
  expiresAt?: Date;
  limits?: LimitSettings;
  now?: Date;
}

export interface IssuedApiKey {
  /** The plaintext key: show it to the caller once; it cannot be recovered later. */
  key: string;
  record: ApiKeyRecord;
}

export async function createApiKey(store: KeyStore, options: CreateApiKeyOptions): Promise<IssuedApiKey> {
  const now = options.now ?? new Date();
  const tenantId = parseInput(tenantIdSchema, options.tenantId, 'tenantId');
  const fields = {
    tenantId,
    name: parseInput(keyNameSchema, options.name ?? '', 'name'),
    scopes: parseInput(scopeListSchema, options.scopes, 'scopes'),
    createdAt: now,
    ...(options.expiresAt === undefined ? {} : { expiresAt: futureDate(options.expiresAt, now) }),
    ...(options.limits === undefined ? {} : { limits: compactLimits(parseInput(limitSettingsSchema, options.limits, 'limits')) }),
  };
  if ((await store.getTenant(tenantId)) === undefined) throw new PalisadeError('not_found', 'tenant not found');
  for (let attempt = 0; attempt < idAttempts; attempt++) {
    const generated = generateApiKey();
    const stored: StoredApiKey = { ...fields, id: generated.id, prefix: generated.prefix, hash: generated.hash };
    const result = await store.insertKey(stored);
    if (result === 'inserted') return { key: generated.key, record: withoutHash(stored) };
    if (result === 'unknown_tenant') throw new PalisadeError('not_found', 'tenant not found');
  }
  throw new PalisadeError('internal_error', 'could not find a free API key id');
}

export interface RotateApiKeyOptions {
  /** How long the old key keeps working, 0 to refuse it at once (at most `maxRotationGraceMs`). */
  graceMs: number;
  /** The successor's expiry; by default the old key's (if any). */
  expiresAt?: Date;
  now?: Date;
}

export interface RotatedApiKey extends IssuedApiKey {
  /** The old key, with `replacedBy` and `graceUntil` set. */
  previous: ApiKeyRecord;
}

/**
 * Issues a successor with the same tenant, name, scopes and limits; the old key stays valid
 * until `now + graceMs`. A key can be rotated once: rotating it again (or two rotations racing)
 * is an `invalid_request`, and the successor is the key to rotate next.
 */
export async function rotateApiKey(store: KeyStore, id: string, options: RotateApiKeyOptions): Promise<RotatedApiKey> {
  const now = options.now ?? new Date();
  const graceMs = parseInput(z.number().int().min(0).max(maxRotationGraceMs), options.graceMs, 'graceMs');
  const old = await store.getKey(id);
  if (old === undefined) throw keyNotFound();
  const expiresAt = options.expiresAt === undefined ? old.expiresAt : futureDate(options.expiresAt, now);
  if (old.expiresAt !== undefined && old.expiresAt.getTime() <= now.getTime()) {
    throw new PalisadeError('invalid_request', 'an expired API key cannot be rotated; create a new one');
  }
  for (let attempt = 0; attempt < idAttempts; attempt++) {
    const generated = generateApiKey();
    const successor: StoredApiKey = {
      id: generated.id,
      prefix: generated.prefix,
      hash: generated.hash,
      tenantId: old.tenantId,
      name: old.name,
      scopes: [...old.scopes],
      createdAt: now,
      rotatedFrom: old.id,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(old.limits === undefined ? {} : { limits: { ...old.limits } }),
    };
    const result = await store.rotateKey({ id, successor, graceUntil: new Date(now.getTime() + graceMs) });
    switch (result.status) {
      case 'rotated':
        return { key: generated.key, record: result.successor, previous: result.previous };
      case 'duplicate_id':
        continue;
      case 'not_found':
        throw keyNotFound();
      case 'revoked':
        throw new PalisadeError('invalid_request', 'a revoked API key cannot be rotated');
      case 'already_rotated':
        throw new PalisadeError('invalid_request', 'this API key was already rotated; rotate its successor instead');
    }
  }
  throw new PalisadeError('internal_error', 'could not find a free API key id');
}

/** Revokes a key at once, on every replica (they all read the store). Revoking twice keeps the first time. */
export async function revokeApiKey(store: KeyStore, id: string, options: { now?: Date } = {}): Promise<ApiKeyRecord> {
  const revoked = await store.revokeKey(id, options.now ?? new Date());
  if (revoked === undefined) throw keyNotFound();
  return revoked;
}

/** Replaces a key's own limits; `null` removes them (the tenant's limits still apply). */
export async function updateApiKeyLimits(store: KeyStore, id: string, options: { limits: LimitSettings | null }): Promise<ApiKeyRecord> {
  const limits = options.limits === null ? undefined : compactLimits(parseInput(limitSettingsSchema, options.limits, 'limits'));
  const updated = await store.updateKeyLimits(id, limits);
  if (updated === undefined) throw keyNotFound();
  return updated;
}

function futureDate(date: Date, now: Date): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new PalisadeError('invalid_request', 'invalid expiresAt: not a date', { details: [{ path: 'expiresAt', message: 'not a date' }] });
  }
  if (date.getTime() <= now.getTime()) {
    throw new PalisadeError('invalid_request', 'invalid expiresAt: must be in the future', { details: [{ path: 'expiresAt', message: 'must be in the future' }] });
  }
  return new Date(date.getTime());
}

function keyNotFound(): PalisadeError {
  return new PalisadeError('not_found', 'API key not found');
}

function withoutHash(stored: StoredApiKey): ApiKeyRecord {
  const { hash: _hash, ...record } = stored;
  return record;
}
