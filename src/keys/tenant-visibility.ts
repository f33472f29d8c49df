/**
 * Which tenants an administrative caller may see: an `operator` key sees every tenant, any other
 * key only its own. Another tenant's resources are `not_found`, exactly like missing ones, so
 * a caller cannot learn that they exist. Check the scope first (`requireScope`); these helpers
 * only decide visibility.
 */
import { PalisadeError } from '../core/errors.js';
import type { Authentication } from './authenticate.js';
import type { ApiKeyRecord, KeyStore, Tenant } from './key-store.js';
import { hasScope } from './scopes.js';

export function canSeeTenant(auth: Authentication, tenantId: string): boolean {
  return hasScope(auth.key.scopes, 'operator') || auth.tenant.id === tenantId;
}

/** For list operations: the one tenant the caller may see, or `undefined` for an operator (all). */
export function visibleTenantFilter(auth: Authentication): string | undefined {
  return hasScope(auth.key.scopes, 'operator') ? undefined : auth.tenant.id;
}

export async function findVisibleTenant(store: KeyStore, auth: Authentication, tenantId: string): Promise<Tenant> {
  const tenant = canSeeTenant(auth, tenantId) ? await store.getTenant(tenantId) : undefined;
  if (tenant === undefined) throw new PalisadeError('not_found', 'tenant not found');
  return tenant;
}

export async function findVisibleKey(store: KeyStore, auth: Authentication, keyId: string): Promise<ApiKeyRecord> {
  const key = await store.getKey(keyId);
  if (key === undefined || !canSeeTenant(auth, key.tenantId)) throw new PalisadeError('not_found', 'API key not found');
  return key;
}
