import { z } from 'zod';

/** The admin API as the end-to-end tests use it: keys and tenants made the way an operator would. */
export interface TestAdminApi {
  /** `POST /admin/v1/keys`; returns the new key's id and the key itself (shown once). */
  createKey(body: { scopes: string[]; tenant_id?: string; expires_at?: string; limits?: Record<string, number> }): Promise<{ id: string; key: string }>;
  /** `POST /admin/v1/keys/:id/revoke`. */
  revokeKey(id: string): Promise<void>;
  /** `POST /admin/v1/tenants`. */
  createTenant(body: { id: string; name: string }): Promise<void>;
  /** `PATCH /admin/v1/tenants/:id`. */
  updateTenant(id: string, body: { limits?: Record<string, number>; disabled?: boolean }): Promise<void>;
}

const createdKeySchema = z.object({ id: z.string(), key: z.string() }).loose();

/** Calls the gateway's admin API with `adminKey` (an operator key, e.g. the test gateway's bootstrap key); any non-2xx answer throws. */
export function testAdminApi(gateway: { url: string }, adminKey: string): TestAdminApi {
  const call = async (method: string, path: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };
  return {
    createKey: async (body) => createdKeySchema.parse(await call('POST', '/admin/v1/keys', body)),
    revokeKey: async (id) => void (await call('POST', `/admin/v1/keys/${encodeURIComponent(id)}/revoke`, {})),
    createTenant: async (body) => void (await call('POST', '/admin/v1/tenants', body)),
    updateTenant: async (id, body) => void (await call('PATCH', `/admin/v1/tenants/${encodeURIComponent(id)}`, body)),
  };
}
