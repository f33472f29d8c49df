import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { visibleTenantFilter } from '../../keys/tenant-visibility.js';
import { approvalStatuses, type ApprovalRequest } from '../../tools/approval-store.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { adminEvent } from './admin-event.js';
import { parseWire } from './admin-wire.js';

const listQuery = z
  .object({
    status: z.enum(approvalStatuses).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The id of the last request of the previous page. */
    before: z.string().min(1).max(100).optional(),
  })
  .strict();
const idParams = z.object({ id: z.string().min(1).max(100) }).strict();
const decideBody = z.object({ note: z.string().max(2000).optional() }).strict();

/** An approval request as the admin API shows it: the call's arguments included, since a person must judge them. */
export function approvalToWire(record: ApprovalRequest): Record<string, unknown> {
  return {
    id: record.id,
    object: 'tool_approval',
    status: record.status,
    tenant_id: record.tenantId,
    key_id: record.keyId,
    request_id: record.requestId,
    session_id: record.sessionId ?? null,
    route: record.route ?? null,
    tool: record.tool,
    arguments: record.arguments,
    risk: record.risk,
    reasons: record.reasons,
    call_id: record.callId ?? null,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
    decided_at: record.decidedAt?.toISOString() ?? null,
    decided_by: record.decidedBy ?? null,
    note: record.note ?? null,
    token_issued_at: record.tokenIssuedAt?.toISOString() ?? null,
  };
}

/**
 * `/admin/v1/approvals`: the review queue of tool calls that wait for a person. An `admin` key
 * sees and decides its own tenant's, an `operator` any. Deciding is atomic (two reviewers at
 * once: one wins, the other is told) and audited with who and why.
 */
export function registerApprovalRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();

  app.get('/admin/v1/approvals', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const query = parseWire(listQuery, request.query);
    const tenantId = visibleTenantFilter(auth);
    const records = await deps.tools.approvals.list({ now: now(), limit: query.limit, ...(tenantId === undefined ? {} : { tenantId }), ...(query.status === undefined ? {} : { status: query.status }), ...(query.before === undefined ? {} : { before: query.before }) });
    return { object: 'list', data: records.map(approvalToWire), has_more: records.length === query.limit };
  });

  app.get('/admin/v1/approvals/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    const tenantId = visibleTenantFilter(auth);
    const record = await deps.tools.approvals.get(id, { now: now(), ...(tenantId === undefined ? {} : { tenantId }) });
    if (record === undefined) throw new PalisadeError('not_found', 'approval request not found');
    return approvalToWire(record);
  });

  for (const decision of ['approve', 'deny'] as const) {
    app.post(`/admin/v1/approvals/:id/${decision}`, async (request) => {
      const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
      const { id } = parseWire(idParams, request.params);
      const body = parseWire(decideBody, request.body);
      const tenantId = visibleTenantFilter(auth);
      const result = await deps.tools.approvals.decide({
        id,
        decision: decision === 'approve' ? 'approved' : 'denied',
        by: auth.key.id,
        now: now(),
        ...(body.note === undefined ? {} : { note: body.note }),
        ...(tenantId === undefined ? {} : { tenantId }),
      });
      if (result.state === 'not_found') throw new PalisadeError('not_found', 'approval request not found');
      if (result.state === 'expired') throw new PalisadeError('invalid_request', `approval request ${id} expired at ${result.record.expiresAt.toISOString()}; the call must be proposed again`);
      if (result.state === 'already_decided') throw new PalisadeError('invalid_request', `approval request ${id} was already ${result.record.status}`);
      const { record } = result;
      await deps.audit.writer.append(
        adminEvent({ type: decision === 'approve' ? 'approval-approved' : 'approval-denied', auth, tenantId: record.tenantId, now: now(), data: { approval_id: record.id, tool: record.tool, request_id: record.requestId, ...(body.note === undefined ? {} : { note: body.note }) } }),
      );
      return approvalToWire(record);
    });
  }
}
