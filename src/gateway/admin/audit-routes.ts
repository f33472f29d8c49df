import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { exportAuditLog } from '../../audit/export-audit-log.js';
import { queryAuditLog } from '../../audit/query-audit-log.js';
import { verifyAuditLog } from '../../audit/verify-audit-log.js';
import { PalisadeError } from '../../core/errors.js';
import { hasScope } from '../../keys/scopes.js';
import { requireScope } from '../../keys/require-scope.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';

const eventsQuery = z
  .object({
    tenant_id: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    type: z.string().optional(),
    action: z.string().optional(),
    status: z.string().optional(),
    model: z.string().optional(),
    id: z.string().optional(),
    actor: z.string().optional(),
    category: z.string().optional(),
    request_id: z.string().optional(),
    cursor: z.string().optional(),
    limit: z.string().optional(),
  })
  .strict();
const exportQuery = z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict();
const verifyBody = z.object({ expected_anchor: z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) }).strict().optional() }).strict();

/**
 * `/admin/v1/audit`: query events (an `admin` key sees its own tenant's, an `operator` any),
 * verify the whole chain and export a time range (operators only: chains span tenants).
 */
export function registerAuditRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();

  app.get('/admin/v1/audit/events', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const query = parseWire(eventsQuery, request.query);
    const operator = hasScope(auth.key.scopes, 'operator');
    const { tenant_id: tenantId, request_id: requestId, ...rest } = query;
    const filters = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
    const page = await queryAuditLog(deps.audit.store, {
      scope: operator ? { kind: 'operator' } : { kind: 'tenant', tenantId: auth.tenant.id },
      query: { ...filters, ...(tenantId === undefined ? {} : { tenantId }), ...(requestId === undefined ? {} : { requestId }) },
    }).catch((error: unknown) => {
      if (error instanceof PalisadeError && error.code === 'invalid_argument') throw new PalisadeError('invalid_request', error.message);
      throw error;
    });
    return { object: 'list', data: page.events.map((event) => ({ ...event.event, writer_id: event.writerId, seq: event.seq, hash: event.hash })), next_cursor: page.nextCursor ?? null };
  });

  app.post('/admin/v1/audit/verify', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    requireScope(auth, 'operator');
    const body = parseWire(verifyBody, request.body);
    const result = await verifyAuditLog(deps.audit.store, body.expected_anchor === undefined ? {} : { expectedAnchor: body.expected_anchor });
    return result;
  });

  app.get('/admin/v1/audit/export', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    requireScope(auth, 'operator');
    const query = parseWire(exportQuery, request.query);
    const lines: string[] = [];
    for await (const line of exportAuditLog(deps.audit.store, { from: new Date(query.from), to: new Date(query.to), now })) lines.push(line);
    return reply.type('application/x-ndjson').send(lines.join(''));
  });
}
