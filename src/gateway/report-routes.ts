import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { maxReportNoteLength } from '../review/check-report-arguments.js';
import { findReportedRequest } from '../review/find-reported-request.js';
import { reportEventData } from '../review/report-audit.js';
import { newReportId, reportKinds, type UserReport } from '../review/report-store.js';
import { parseWire } from './admin/admin-wire.js';
import type { GatewayDependencies } from './gateway-dependencies.js';
import { authorize } from './http/authorize.js';

const reportBody = z
  .object({
    /** The completion's `x-palisade-request-id`. */
    request_id: z.string().min(1).max(200),
    kind: z.enum(reportKinds),
    note: z.string().max(maxReportNoteLength).optional(),
    end_user_id: z.string().min(1).max(256).optional(),
  })
  .strict();

/** A report as its reporter sees it: what was reported and where review stands, not who reviewed it. */
function reportToClient(record: UserReport): Record<string, unknown> {
  return {
    id: record.id,
    object: 'report',
    status: record.status,
    kind: record.kind,
    request_id: record.requestId,
    end_user_id: record.endUserId ?? null,
    note: record.note ?? null,
    created_at: record.createdAt.toISOString(),
  };
}

/**
 * `POST /v1/reports`: an application passes on its user's verdict on one completion — a bad
 * answer, a wrong block, something else — by the request id the gateway answered with. The
 * request must be one of the caller's tenant's completions in the audit log; anything else is
 * `not_found`, whether it does not exist or is another tenant's. A key reports a request once:
 * reporting it again answers 200 with the first report, unchanged (the retry of a report that
 * got through), where a new report answers 201. Each new report is an audit event.
 */
export function registerReportRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();

  app.post('/v1/reports', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'inference', now: now() });
    const body = parseWire(reportBody, request.body);
    const event = await findReportedRequest(deps.audit.store, { tenantId: auth.tenant.id, requestId: body.request_id });
    if (event === undefined) throw new PalisadeError('not_found', 'no completion request with this request_id', { details: [{ path: 'request_id', message: 'not found' }] });
    const at = now();
    const result = await deps.reports.create({
      id: newReportId(),
      tenantId: auth.tenant.id,
      keyId: auth.key.id,
      requestId: body.request_id,
      kind: body.kind,
      createdAt: at,
      ...(body.note === undefined ? {} : { note: body.note }),
      ...(body.end_user_id === undefined ? {} : { endUserId: body.end_user_id }),
    });
    if (result.state === 'exists') return reportToClient(result.record);
    // A report on an answer served under a running rollout counts against that arm's health.
    const rollout = (event.event.data.operations as { rollout?: { id?: unknown; arm?: unknown } } | undefined)?.rollout;
    const running = deps.operations.policies.rollout;
    if (running !== undefined && rollout?.id === running.id && (rollout.arm === 'active' || rollout.arm === 'candidate')) deps.operations.observer.reportedByUser(running.id, rollout.arm);
    await deps.audit.writer.append({ id: `${result.record.id}-created`, type: 'report-created', time: at.toISOString(), tenantId: auth.tenant.id, actor: auth.key.id, data: reportEventData(result.record) });
    return reply.code(201).send(reportToClient(result.record));
  });
}
