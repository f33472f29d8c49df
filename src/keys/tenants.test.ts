import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../core/errors.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { createTenant, tenantIdSchema, updateTenant } from './tenants.js';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; path: string | undefined }> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!isPalisadeError(error)) throw new Error(`expected a PalisadeError, got ${String(error)}`);
  return { code: error.code, path: error.details[0]?.path };
}

describe('tenants', () => {
  it('takes slugs as ids', () => {
    for (const id of ['acme', 'a', 'acme-2', '0day', 'a'.repeat(63)]) expect(tenantIdSchema.safeParse(id).success).toBe(true);
    for (const id of ['', 'Acme', 'acme corp', '-acme', 'acme-', 'acme_corp', 'a'.repeat(64), 'acmé']) expect(tenantIdSchema.safeParse(id).success).toBe(false);
  });

  it('validates names and limits on create and update', async () => {
    const store = new MemoryKeyStore();
    expect(await refusal(createTenant(store, { id: 'Acme', name: 'Acme' }))).toEqual({ code: 'invalid_request', path: 'id' });
    expect(await refusal(createTenant(store, { id: 'acme', name: '   ' }))).toEqual({ code: 'invalid_request', path: 'name' });
    expect(await refusal(createTenant(store, { id: 'acme', name: 'Acme', limits: { requestsPerMinute: -1 } }))).toEqual({
      code: 'invalid_request',
      path: 'limits.requestsPerMinute',
    });
    expect(await store.listTenants()).toEqual([]);

    await createTenant(store, { id: 'acme', name: 'Acme' });
    expect(await refusal(updateTenant(store, 'acme', { limits: { concurrentRequests: 0 } }))).toEqual({ code: 'invalid_request', path: 'limits.concurrentRequests' });
    const disabled = await updateTenant(store, 'acme', { disabled: true });
    expect(disabled).toMatchObject({ name: 'Acme', disabled: true, limits: {} });
  });
});
