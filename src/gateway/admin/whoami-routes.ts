import type { FastifyInstance } from 'fastify';
import { hasScope } from '../../keys/scopes.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { keyToWire, tenantToWire } from './admin-wire.js';

/**
 * `GET /admin/v1/whoami`: the calling key (never its secret) and its tenant, and whether it sees
 * every tenant (`operator`). The console signs in with it and shows what the key may do; the
 * routes themselves still check every call.
 */
export function registerWhoamiRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  app.get('/admin/v1/whoami', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: deps.now?.() ?? new Date() });
    return { object: 'whoami', key: keyToWire(auth.key), tenant: tenantToWire(auth.tenant), operator: hasScope(auth.key.scopes, 'operator') };
  });
}
