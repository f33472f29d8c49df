import { describe, expect, it } from 'vitest';
import { keyStoreContract } from './key-store-contract.js';
import { MemoryKeyStore } from './memory-key-store.js';

keyStoreContract('memory', async () => {
  const store = new MemoryKeyStore();
  return { store, replica: store, close: async () => {} };
});

describe('MemoryKeyStore', () => {
  it('hands out copies: mutating a result does not change the store', async () => {
    const store = new MemoryKeyStore();
    const createdAt = new Date('2030-01-01T00:00:00.000Z');
    await store.createTenant({ id: 'acme', name: 'Acme', limits: {}, createdAt, disabled: false });
    const tenant = await store.getTenant('acme');
    if (tenant === undefined) throw new Error('tenant missing');
    tenant.disabled = true;
    tenant.limits.requestsPerMinute = 1;
    expect(await store.getTenant('acme')).toEqual({ id: 'acme', name: 'Acme', limits: {}, createdAt, disabled: false });
  });
});
