import { PalisadeError } from '../core/errors.js';
import { hashApiKey, parseApiKey } from './api-key-format.js';
import type { ApiKeyRecord, KeyStore, Tenant } from './key-store.js';

/** Who is calling: the key (never its secret) and the tenant it belongs to. */
export interface Authentication {
  key: ApiKeyRecord;
  tenant: Tenant;
}

export interface AuthenticateOptions {
  now: Date;
  /** `lastUsedAt` is written at most once per this interval per key (default one minute); 0 turns tracking off. */
  lastUsedIntervalMs?: number;
}

const defaultLastUsedIntervalMs = 60_000;

/**
 * Resolves the presented key to its record and tenant, or throws `unauthenticated` saying why:
 * missing, malformed, unknown, revoked, expired, rotated with its grace period over, or tenant
 * disabled. Messages never quote what was presented.
 *
 * Every call reads the store: no validity is cached in the process, so a revocation (or a
 * disabled tenant) takes effect on the next request on every replica.
 */
export async function authenticate(store: KeyStore, presented: string | undefined, options: AuthenticateOptions): Promise<Authentication> {
  if (presented === undefined || presented === '') {
    throw unauthenticated('missing API key: send it as "Authorization: Bearer <key>" or in the "x-api-key" header');
  }
  const parsed = parseApiKey(presented);
  if (parsed === undefined) throw unauthenticated('malformed API key: expected a Palisade key of the form psk_<id>_<secret>');
  // The store matches the sha256 of the presented key, not the key: timing differences in that
  // lookup can at most reveal bytes of a hash, which give no way to build a key that has it.
  const found = await store.findKeyByHash(hashApiKey(presented));
  if (found === undefined || found.key.id !== parsed.id) throw unauthenticated('unknown API key');
  const { key, tenant } = found;
  const now = options.now.getTime();
  // Any revocation counts, whatever its time: a replica whose clock lags the revoker's must not
  // keep accepting the key.
  if (key.revokedAt !== undefined) throw unauthenticated('API key revoked');
  if (key.expiresAt !== undefined && key.expiresAt.getTime() <= now) throw unauthenticated('API key expired');
  if (key.replacedBy !== undefined && (key.graceUntil === undefined || key.graceUntil.getTime() <= now)) {
    throw unauthenticated('API key rotated and its grace period is over: use its successor');
  }
  if (tenant.disabled) throw unauthenticated('tenant disabled');
  await markUsed(store, key, options);
  return found;
}

async function markUsed(store: KeyStore, key: ApiKeyRecord, options: AuthenticateOptions): Promise<void> {
  const interval = options.lastUsedIntervalMs ?? defaultLastUsedIntervalMs;
  if (interval <= 0) return;
  const ifUnusedSince = new Date(options.now.getTime() - interval);
  // Most requests stop here: the record just read says the key was marked recently enough.
  if (key.lastUsedAt !== undefined && key.lastUsedAt.getTime() > ifUnusedSince.getTime()) return;
  await store.markKeyUsed({ id: key.id, at: options.now, ifUnusedSince });
  key.lastUsedAt = options.now;
}

function unauthenticated(message: string): PalisadeError {
  return new PalisadeError('unauthenticated', message);
}
