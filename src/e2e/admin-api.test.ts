import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { chat, gatewayCall, type WireAuditEvent, type WireError, type WireKey, type WireList, type WireTenant } from './test-support/gateway-call.js';

let gateway: TestGateway;
/** Every plaintext key the tests were given: none may show up again anywhere. */
const issuedKeys: string[] = [];

const call = <Body = Record<string, unknown>>(key: string, path: string, options: { method?: string; body?: unknown } = {}) => gatewayCall<Body>(gateway.url, { key, path, ...options });

async function createTenant(id: string): Promise<void> {
  const created = await call(gateway.key, '/admin/v1/tenants', { body: { id, name: `Tenant ${id}` } });
  expect(created.status).toBe(201);
}

async function createKey(key: string, body: Record<string, unknown>): Promise<WireKey & { key: string }> {
  const created = await call<WireKey>(key, '/admin/v1/keys', { body });
  expect(created.status, created.text).toBe(201);
  const issued = created.body as WireKey & { key: string };
  issuedKeys.push(issued.key);
  return issued;
}

/** Ids of the operator (bootstrap) key and the two tenant admins. */
let operatorId: string;
let acmeAdmin: WireKey & { key: string };
let globexAdmin: WireKey & { key: string };

beforeAll(async () => {
  gateway = await startTestGateway();
  issuedKeys.push(gateway.key);
  const keys = await call<WireList<WireKey>>(gateway.key, '/admin/v1/keys');
  operatorId = keys.body.data[0]?.id as string;
  await createTenant('acme');
  await createTenant('globex');
  acmeAdmin = await createKey(gateway.key, { tenant_id: 'acme', scopes: ['admin', 'inference'], name: 'acme admin' });
  globexAdmin = await createKey(gateway.key, { tenant_id: 'globex', scopes: ['admin', 'inference'], name: 'globex admin' });
});

afterAll(async () => {
  await gateway?.close();
});

describe('admin API: tenants', () => {
  it('lets an operator create a tenant, and nobody else', async () => {
    const created = await call<WireTenant>(gateway.key, '/admin/v1/tenants', { body: { id: 'umbrella', name: 'Umbrella', limits: { requests_per_minute: 50 } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'tenant', id: 'umbrella', name: 'Umbrella', limits: { requests_per_minute: 50 }, disabled: false });
    const byAdmin = await call<WireError>(acmeAdmin.key, '/admin/v1/tenants', { body: { id: 'sneaky', name: 'Sneaky' } });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error.code).toBe('forbidden');
    expect((await call(gateway.key, '/admin/v1/tenants/sneaky')).status).toBe(404);
    const again = await call<WireError>(gateway.key, '/admin/v1/tenants', { body: { id: 'umbrella', name: 'Again' } });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'invalid_request', param: 'id' });
  });

  it('shows a tenant admin its own tenant only; others are 404, like missing ones', async () => {
    const own = await call<WireList<WireTenant>>(acmeAdmin.key, '/admin/v1/tenants');
    expect(own.body.data.map((tenant) => tenant.id)).toEqual(['acme']);
    const all = await call<WireList<WireTenant>>(gateway.key, '/admin/v1/tenants');
    expect(all.body.data.map((tenant) => tenant.id)).toEqual(expect.arrayContaining(['default', 'acme', 'globex']));
    expect((await call(acmeAdmin.key, '/admin/v1/tenants/acme')).status).toBe(200);
    const other = await call<WireError>(acmeAdmin.key, '/admin/v1/tenants/globex');
    const missing = await call<WireError>(acmeAdmin.key, '/admin/v1/tenants/no-such-tenant');
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
  });

  it('does not let a tenant admin change its own tenant (limits, disabled) or see another', async () => {
    const limits = await call<WireError>(acmeAdmin.key, '/admin/v1/tenants/acme', { method: 'PATCH', body: { limits: { requests_per_minute: 100_000 } } });
    expect(limits.status).toBe(403);
    expect((await call(acmeAdmin.key, '/admin/v1/tenants/acme', { method: 'PATCH', body: { disabled: false } })).status).toBe(403);
    expect((await call(acmeAdmin.key, '/admin/v1/tenants/globex', { method: 'PATCH', body: { disabled: true } })).status).toBe(404);
    const acme = await call<WireTenant>(gateway.key, '/admin/v1/tenants/acme');
    expect(acme.body).toMatchObject({ limits: {}, disabled: false });
  });

  it('refuses every key of a disabled tenant from the next request, and accepts them again when re-enabled', async () => {
    await createTenant('initech');
    const user = await createKey(gateway.key, { tenant_id: 'initech', scopes: ['inference'] });
    expect((await chat(gateway.url, { key: user.key, content: 'hello' })).status).toBe(200);
    const disabled = await call<WireTenant>(gateway.key, '/admin/v1/tenants/initech', { method: 'PATCH', body: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    const refused = await chat(gateway.url, { key: user.key, content: 'hello' });
    expect(refused.status).toBe(401);
    expect((refused.body as unknown as WireError).error.message).toContain('tenant disabled');
    await call(gateway.key, '/admin/v1/tenants/initech', { method: 'PATCH', body: { disabled: false } });
    expect((await chat(gateway.url, { key: user.key, content: 'hello' })).status).toBe(200);
  });
});

describe('admin API: keys', () => {
  it('returns the plaintext key once, and never again in reads or lists', async () => {
    const issued = await createKey(acmeAdmin.key, { scopes: ['inference'], name: 'shown once' });
    expect(issued.key).toMatch(/^psk_[a-z2-7]{8}_[A-Za-z0-9]{40}$/);
    expect(issued).toMatchObject({ tenant_id: 'acme', scopes: ['inference'], prefix: issued.key.slice(0, 12) });
    const read = await call<WireKey>(acmeAdmin.key, `/admin/v1/keys/${issued.id}`);
    const list = await call<WireList<WireKey>>(acmeAdmin.key, '/admin/v1/keys');
    expect(read.body).not.toHaveProperty('key');
    expect(list.body.data.find((key) => key.id === issued.id)).toBeDefined();
    for (const entry of list.body.data) expect(entry).not.toHaveProperty('key');
    const secret = issued.key.slice(13);
    for (const text of [read.text, list.text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"hash"/);
    }
  });

  it('lets an admin mint keys for its own tenant only, and never an operator key', async () => {
    const operator = await call<WireError>(acmeAdmin.key, '/admin/v1/keys', { body: { scopes: ['inference', 'operator'] } });
    expect(operator.status).toBe(403);
    expect(operator.body.error.message).toContain('operator');
    expect((await call(acmeAdmin.key, '/admin/v1/keys', { body: { tenant_id: 'globex', scopes: ['inference'] } })).status).toBe(404);
    const adminKey = await createKey(acmeAdmin.key, { scopes: ['admin'] });
    expect(adminKey.tenant_id).toBe('acme');
    const inferenceOnly = await createKey(acmeAdmin.key, { scopes: ['inference'] });
    const byInference = await call<WireError>(inferenceOnly.key, '/admin/v1/keys', { body: { scopes: ['inference'] } });
    expect(byInference.status).toBe(403);
    expect((await call(inferenceOnly.key, '/admin/v1/keys')).status).toBe(403);
  });

  it("never lets an admin rotate, revoke or change a key with scopes it lacks (its tenant's operator key)", async () => {
    // The bootstrap operator key lives in tenant `default`, so an admin of `default` can see it.
    const defaultAdmin = await createKey(gateway.key, { scopes: ['admin', 'inference'], name: 'default admin' });
    const attempts: { path: string; method?: string; body?: unknown }[] = [
      { path: `/admin/v1/keys/${operatorId}/rotate`, method: 'POST', body: { grace_seconds: 0 } },
      { path: `/admin/v1/keys/${operatorId}/revoke`, method: 'POST' },
      { path: `/admin/v1/keys/${operatorId}`, method: 'PATCH', body: { limits: { requests_per_minute: 1 } } },
    ];
    for (const attempt of attempts) {
      const answer = await call<WireError>(defaultAdmin.key, attempt.path, attempt);
      expect(answer.status, attempt.path).toBe(403);
      expect(answer.body.error.message).toContain('operator');
      expect(answer.text).not.toContain('psk_');
    }
    const operator = await call<WireKey>(gateway.key, `/admin/v1/keys/${operatorId}`);
    expect(operator.body).toMatchObject({ revoked_at: null, replaced_by: null, limits: null });
    expect((await call(gateway.key, '/admin/v1/tenants', { body: { id: 'still-operator', name: 'Still operator' } })).status).toBe(201);
    // Keys within its own reach it still manages.
    const own = await createKey(defaultAdmin.key, { scopes: ['inference', 'admin'] });
    expect((await call(defaultAdmin.key, `/admin/v1/keys/${own.id}/rotate`, { body: { grace_seconds: 0 } })).status).toBe(200);
  });

  it("keeps tenant B's keys out of tenant A's admin's reach (404), leaving them working", async () => {
    const victim = await createKey(globexAdmin.key, { scopes: ['inference'] });
    const paths: { path: string; method?: string; body?: unknown }[] = [
      { path: `/admin/v1/keys/${victim.id}` },
      { path: `/admin/v1/keys/${victim.id}/revoke`, method: 'POST' },
      { path: `/admin/v1/keys/${victim.id}/rotate`, method: 'POST', body: { grace_seconds: 0 } },
      { path: `/admin/v1/keys/${victim.id}`, method: 'PATCH', body: { limits: { requests_per_minute: 1 } } },
      { path: '/admin/v1/keys?tenant_id=globex' },
    ];
    for (const request of paths) {
      const answer = await call<WireError>(acmeAdmin.key, request.path, request);
      expect(answer.status, request.path).toBe(404);
      expect(answer.text).not.toContain(victim.prefix);
    }
    const ownList = await call<WireList<WireKey>>(acmeAdmin.key, '/admin/v1/keys');
    expect(ownList.body.data.every((key) => key.tenant_id === 'acme')).toBe(true);
    const untouched = await call<WireKey>(globexAdmin.key, `/admin/v1/keys/${victim.id}`);
    expect(untouched.body).toMatchObject({ revoked_at: null, replaced_by: null, limits: null });
    expect((await chat(gateway.url, { key: victim.key, content: 'still here?' })).status).toBe(200);
  });

  it('rotates a key: the successor works at once, the old key until its grace period ends', async () => {
    const original = await createKey(acmeAdmin.key, { scopes: ['inference'], name: 'to rotate' });
    const rotated = await call<WireKey>(acmeAdmin.key, `/admin/v1/keys/${original.id}/rotate`, { body: { grace_seconds: 1 } });
    expect(rotated.status).toBe(200);
    const successor = rotated.body as WireKey & { key: string };
    issuedKeys.push(successor.key);
    expect(successor.key).not.toBe(original.key);
    expect(successor.previous).toMatchObject({ id: original.id, replaced_by: successor.id });
    expect(successor.previous).not.toHaveProperty('key');
    expect((await chat(gateway.url, { key: successor.key, content: 'new key' })).status).toBe(200);
    expect((await chat(gateway.url, { key: original.key, content: 'old key, in grace' })).status).toBe(200);
    const graceUntil = Date.parse(successor.previous?.grace_until as string);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, graceUntil - Date.now()) + 20));
    const expired = await chat(gateway.url, { key: original.key, content: 'old key, after grace' });
    expect(expired.status).toBe(401);
    expect((expired.body as unknown as WireError).error.message).toContain('rotated');
    expect((await chat(gateway.url, { key: successor.key, content: 'new key' })).status).toBe(200);
    const twice = await call<WireError>(acmeAdmin.key, `/admin/v1/keys/${original.id}/rotate`, { body: { grace_seconds: 0 } });
    expect(twice.status).toBe(400);
  });

  it('with grace_seconds 0 the old key fails at once', async () => {
    const original = await createKey(acmeAdmin.key, { scopes: ['inference'] });
    const rotated = await call<WireKey>(acmeAdmin.key, `/admin/v1/keys/${original.id}/rotate`, { body: { grace_seconds: 0 } });
    issuedKeys.push(rotated.body.key as string);
    expect((await chat(gateway.url, { key: original.key, content: 'old' })).status).toBe(401);
    expect((await chat(gateway.url, { key: rotated.body.key as string, content: 'new' })).status).toBe(200);
  });

  it('revokes a key from the next request on', async () => {
    const victim = await createKey(acmeAdmin.key, { scopes: ['inference'] });
    expect((await chat(gateway.url, { key: victim.key, content: 'before' })).status).toBe(200);
    const revoked = await call<WireKey>(acmeAdmin.key, `/admin/v1/keys/${victim.id}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await chat(gateway.url, { key: victim.key, content: 'after' });
    expect(after.status).toBe(401);
    expect((after.body as unknown as WireError).error.message).toContain('revoked');
  });

  it('applies limits set with PATCH to the next requests', async () => {
    const limited = await createKey(acmeAdmin.key, { scopes: ['inference'] });
    const patched = await call<WireKey>(acmeAdmin.key, `/admin/v1/keys/${limited.id}`, { method: 'PATCH', body: { limits: { requests_per_minute: 1 } } });
    expect(patched.status).toBe(200);
    expect(patched.body.limits).toEqual({ requests_per_minute: 1 });
    expect((await chat(gateway.url, { key: limited.key, content: 'one' })).status).toBe(200);
    const second = await chat(gateway.url, { key: limited.key, content: 'two' });
    expect(second.status).toBe(429);
    expect((second.body as unknown as WireError).error.code).toBe('rate_limited');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other keys of the tenant keep their own budget.
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'unaffected' })).status).toBe(200);
  });
});

describe('admin API: bad input is 400 invalid_request naming the field', () => {
  const cases: { name: string; path: string; method?: string; body: unknown; field: string }[] = [
    { name: 'an unknown scope', path: '/admin/v1/keys', body: { scopes: ['inference', 'root'] }, field: 'scopes[1]' },
    { name: 'scopes of the wrong type', path: '/admin/v1/keys', body: { scopes: 'inference' }, field: 'scopes' },
    { name: 'no scopes at all', path: '/admin/v1/keys', body: { scopes: [] }, field: 'scopes' },
    { name: 'an unknown field on a key', path: '/admin/v1/keys', body: { scopes: ['inference'], superuser: true }, field: 'superuser' },
    { name: 'an expiry that is not a time', path: '/admin/v1/keys', body: { scopes: ['inference'], expires_at: 'tomorrow' }, field: 'expires_at' },
    { name: 'a negative limit', path: '/admin/v1/keys', body: { scopes: ['inference'], limits: { requests_per_minute: -1 } }, field: 'limits.requests_per_minute' },
    { name: 'an unknown limit', path: '/admin/v1/keys', body: { scopes: ['inference'], limits: { requests_per_hour: 5 } }, field: 'requests_per_hour' },
    { name: 'a tenant id of the wrong type', path: '/admin/v1/tenants', body: { id: 42, name: 'Numbers' }, field: 'id' },
    { name: 'a tenant id that is not a slug', path: '/admin/v1/tenants', body: { id: 'Not A Slug!', name: 'Spaces' }, field: 'id' },
    { name: 'a tenant without a name', path: '/admin/v1/tenants', body: { id: 'nameless' }, field: 'name' },
    { name: 'disabled as a string', path: '/admin/v1/tenants/acme', method: 'PATCH', body: { disabled: 'yes' }, field: 'disabled' },
    { name: 'an unknown field on a tenant', path: '/admin/v1/tenants/acme', method: 'PATCH', body: { owner: 'me' }, field: 'owner' },
  ];
  for (const entry of cases) {
    it(entry.name, async () => {
      const answer = await call<WireError>(gateway.key, entry.path, { body: entry.body, ...(entry.method === undefined ? {} : { method: entry.method }) });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      expect(answer.body.error.message).toContain(entry.field);
    });
  }

  it('rotation grace of the wrong type or out of range', async () => {
    const key = await createKey(gateway.key, { tenant_id: 'acme', scopes: ['inference'] });
    for (const grace of ['soon', -1, 1e9]) {
      const answer = await call<WireError>(gateway.key, `/admin/v1/keys/${key.id}/rotate`, { body: { grace_seconds: grace } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'grace_seconds' });
    }
  });

  it('names the param for a bad field in the error envelope', async () => {
    const answer = await call<WireError>(gateway.key, '/admin/v1/keys', { body: { scopes: ['inference', 'root'] } });
    expect(answer.body.error.param).toBe('scopes[1]');
    const unknown = await call<WireError>(gateway.key, '/admin/v1/keys', { body: { scopes: ['inference'], superuser: true } });
    expect(unknown.body.error.param).toBe('superuser');
  });
});

describe('admin API: every change is in the audit log, by the acting key, without any key', () => {
  it('records key-created, key-revoked, key-rotated, tenant-created and tenant-updated with the actor', async () => {
    const events = await call<WireList<WireAuditEvent>>(gateway.key, '/admin/v1/audit/events?limit=1000');
    expect(events.status).toBe(200);
    const adminEvents = events.body.data.filter((event) => event.type !== 'request');
    const byType = (type: string) => adminEvents.filter((event) => event.type === type);
    for (const type of ['key-created', 'key-revoked', 'key-rotated', 'tenant-created', 'tenant-updated']) expect(byType(type).length, type).toBeGreaterThan(0);

    expect(byType('tenant-created').find((event) => event.tenantId === 'acme')).toMatchObject({ actor: operatorId });
    expect(byType('key-created').find((event) => event.data.key_id === acmeAdmin.id)).toMatchObject({ actor: operatorId, tenantId: 'acme' });
    const initech = byType('tenant-updated').filter((event) => event.tenantId === 'initech');
    expect(initech.map((event) => event.data.changes)).toEqual([{ disabled: false }, { disabled: true }]);
    expect(initech.every((event) => event.actor === operatorId)).toBe(true);
    const minted = byType('key-created').filter((event) => event.actor === acmeAdmin.id);
    expect(minted.length).toBeGreaterThan(0);
    expect(minted.every((event) => event.tenantId === 'acme')).toBe(true);
    expect(byType('key-revoked').every((event) => event.actor === acmeAdmin.id)).toBe(true);
    expect(byType('key-rotated').some((event) => event.actor === acmeAdmin.id && typeof event.data.successor_id === 'string')).toBe(true);
    // Refused attempts change nothing and record nothing.
    expect(adminEvents.some((event) => event.tenantId === 'sneaky')).toBe(false);
    expect(adminEvents.every((event) => event.actor !== undefined && /^[a-z2-7]{8}$|^system$/.test(event.actor))).toBe(true);
  });

  it('holds no plaintext key anywhere in the log or its export', async () => {
    const events = await call(gateway.key, '/admin/v1/audit/events?limit=1000');
    const exported = await call(gateway.key, `/admin/v1/audit/export?from=2000-01-01T00:00:00Z&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(exported.status).toBe(200);
    expect(issuedKeys.length).toBeGreaterThan(10);
    for (const key of issuedKeys) {
      const secret = key.slice(13);
      expect(events.text).not.toContain(secret);
      expect(exported.text).not.toContain(secret);
    }
  });
});
