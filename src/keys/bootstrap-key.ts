import { createApiKey, type IssuedApiKey } from './api-keys.js';
import type { KeyStore } from './key-store.js';
import { createTenant } from './tenants.js';

export const bootstrapTenantId = 'default';

/**
 * First start on an empty store: a `default` tenant and one key with every scope, so a new user
 * can call the gateway and its admin API at once. Returns the key (to print once), or nothing
 * when the store already has tenants. Concurrent first starts (two replicas) may both create a
 * key; each gets its own, both valid, both audited.
 */
export async function ensureBootstrapKey(store: KeyStore, options: { now?: Date } = {}): Promise<IssuedApiKey | undefined> {
  if ((await store.listTenants()).length > 0) return undefined;
  const now = options.now ?? new Date();
  if ((await store.getTenant(bootstrapTenantId)) === undefined) {
    await createTenant(store, { id: bootstrapTenantId, name: 'Default tenant', now }).catch(async (error: unknown) => {
      if ((await store.getTenant(bootstrapTenantId)) === undefined) throw error;
    });
  }
  return createApiKey(store, { tenantId: bootstrapTenantId, name: 'bootstrap', scopes: ['inference', 'admin', 'operator'], now });
}
