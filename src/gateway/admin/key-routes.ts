import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createApiKey, maxRotationGraceMs, revokeApiKey, rotateApiKey, updateApiKeyLimits } from '../../keys/api-keys.js';
import type { Authentication } from '../../keys/authenticate.js';
import type { ApiKeyRecord } from '../../keys/key-store.js';
import { requireGrantableScopes } from '../../keys/require-scope.js';
import { scopes } from '../../keys/scopes.js';
import { findVisibleKey, findVisibleTenant, visibleTenantFilter } from '../../keys/tenant-visibility.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { adminEvent } from './admin-event.js';
import { keyToWire, limitsFromWire, parseWire, wireLimitsSchema } from './admin-wire.js';

const createKeyBody = z
  .object({
    /** Default: the caller's own tenant. */
    tenant_id: z.string().min(1).optional(),
    name: z.string().max(200).optional(),
    scopes: z.array(z.enum(scopes)).min(1),
    expires_at: z.iso.datetime({ offset: true }).optional(),
    limits: wireLimitsSchema.optional(),
  })
  .strict();
const rotateKeyBody = z.object({ grace_seconds: z.number().int().min(0).max(maxRotationGraceMs / 1000).default(3600), expires_at: z.iso.datetime({ offset: true }).optional() }).strict();
const updateKeyBody = z.object({ limits: wireLimitsSchema.nullable() }).strict();
const listKeysQuery = z.object({ tenant_id: z.string().min(1).optional() }).strict();
const idParams = z.object({ id: z.string().min(1).max(100) }).strict();

/**
 * `/admin/v1/keys`: create (the key is in the response once and never again), list, read,
 * rotate, revoke, change limits. `admin` keys act on their own tenant; `operator` on any. Every
 * change is an audit event naming the acting key.
 */
export function registerKeyRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  /**
   * A key the caller may change: visible to it, and holding no scope the caller lacks. Without
   * the second check an `admin` could rotate an `operator` key of its tenant (the successor
   * inherits its scopes) and escape the tenant, or revoke it and lock the operator out.
   */
  const manageableKey = async (auth: Authentication, id: string): Promise<ApiKeyRecord> => {
    const key = await findVisibleKey(deps.keys, auth, id);
    requireGrantableScopes(auth, key.scopes);
    return key;
  };

  app.post('/admin/v1/keys', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const body = parseWire(createKeyBody, request.body);
    const tenant = await findVisibleTenant(deps.keys, auth, body.tenant_id ?? auth.tenant.id);
    requireGrantableScopes(auth, body.scopes);
    const issued = await createApiKey(deps.keys, {
      tenantId: tenant.id,
      scopes: body.scopes,
      now: now(),
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.expires_at === undefined ? {} : { expiresAt: new Date(body.expires_at) }),
      ...(body.limits === undefined ? {} : { limits: limitsFromWire(body.limits) }),
    });
    await deps.audit.writer.append(adminEvent({ type: 'key-created', auth, tenantId: tenant.id, now: now(), data: { key_id: issued.record.id, prefix: issued.record.prefix, scopes: issued.record.scopes } }));
    return reply.code(201).send({ ...keyToWire(issued.record), key: issued.key });
  });

  app.get('/admin/v1/keys', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const query = parseWire(listKeysQuery, request.query);
    const visible = visibleTenantFilter(auth);
    const tenantId = query.tenant_id ?? visible ?? auth.tenant.id;
    await findVisibleTenant(deps.keys, auth, tenantId);
    return { object: 'list', data: (await deps.keys.listKeys(tenantId)).map(keyToWire) };
  });

  app.get('/admin/v1/keys/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    return keyToWire(await findVisibleKey(deps.keys, auth, id));
  });

  app.post('/admin/v1/keys/:id/revoke', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    const key = await manageableKey(auth, id);
    const revoked = await revokeApiKey(deps.keys, key.id, { now: now() });
    await deps.audit.writer.append(adminEvent({ type: 'key-revoked', auth, tenantId: key.tenantId, now: now(), data: { key_id: key.id, prefix: key.prefix } }));
    return keyToWire(revoked);
  });

  app.post('/admin/v1/keys/:id/rotate', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    const body = parseWire(rotateKeyBody, request.body);
    const key = await manageableKey(auth, id);
    const rotated = await rotateApiKey(deps.keys, key.id, { graceMs: body.grace_seconds * 1000, now: now(), ...(body.expires_at === undefined ? {} : { expiresAt: new Date(body.expires_at) }) });
    await deps.audit.writer.append(
      adminEvent({ type: 'key-rotated', auth, tenantId: key.tenantId, now: now(), data: { key_id: key.id, successor_id: rotated.record.id, grace_seconds: body.grace_seconds } }),
    );
    return { ...keyToWire(rotated.record), key: rotated.key, previous: keyToWire(rotated.previous) };
  });

  app.patch('/admin/v1/keys/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    const body = parseWire(updateKeyBody, request.body);
    const key = await manageableKey(auth, id);
    const updated = await updateApiKeyLimits(deps.keys, key.id, { limits: body.limits === null ? null : limitsFromWire(body.limits) });
    await deps.audit.writer.append(adminEvent({ type: 'key-updated', auth, tenantId: key.tenantId, now: now(), data: { key_id: key.id, limits: body.limits } }));
    return keyToWire(updated);
  });
}
