import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createTenant, updateTenant } from '../../keys/tenants.js';
import { requireScope } from '../../keys/require-scope.js';
import { findVisibleTenant, visibleTenantFilter } from '../../keys/tenant-visibility.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { adminEvent } from './admin-event.js';
import { limitsFromWire, parseWire, tenantToWire, wireLimitsSchema } from './admin-wire.js';

const createTenantBody = z.object({ id: z.string().min(1), name: z.string().min(1), limits: wireLimitsSchema.optional() }).strict();
const updateTenantBody = z.object({ name: z.string().min(1).optional(), limits: wireLimitsSchema.optional(), disabled: z.boolean().optional() }).strict();
const idParams = z.object({ id: z.string().min(1).max(100) }).strict();

/**
 * `/admin/v1/tenants`: an `admin` key reads its own tenant; only an `operator` creates tenants or
 * changes one (a tenant's own admin must not raise its limits or re-enable itself).
 */
export function registerTenantRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();

  app.post('/admin/v1/tenants', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const body = parseWire(createTenantBody, request.body);
    const tenant = await createTenant(deps.keys, { id: body.id, name: body.name, now: now(), ...(body.limits === undefined ? {} : { limits: limitsFromWire(body.limits) }) });
    await deps.audit.writer.append(adminEvent({ type: 'tenant-created', auth, tenantId: tenant.id, now: now(), data: { name: tenant.name, limits: body.limits ?? null } }));
    return reply.code(201).send(tenantToWire(tenant));
  });

  app.get('/admin/v1/tenants', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const visible = visibleTenantFilter(auth);
    const tenants = visible === undefined ? await deps.keys.listTenants() : [await findVisibleTenant(deps.keys, auth, visible)];
    return { object: 'list', data: tenants.map(tenantToWire) };
  });

  app.get('/admin/v1/tenants/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    return tenantToWire(await findVisibleTenant(deps.keys, auth, id));
  });

  app.patch('/admin/v1/tenants/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    await findVisibleTenant(deps.keys, auth, id);
    requireScope(auth, 'operator');
    const body = parseWire(updateTenantBody, request.body);
    const tenant = await updateTenant(deps.keys, id, {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.limits === undefined ? {} : { limits: limitsFromWire(body.limits) }),
      ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
    });
    await deps.audit.writer.append(adminEvent({ type: 'tenant-updated', auth, tenantId: id, now: now(), data: { changes: body } }));
    return tenantToWire(tenant);
  });
}
