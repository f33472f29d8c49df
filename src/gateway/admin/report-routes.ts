import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { visibleTenantFilter } from '../../keys/tenant-visibility.js';
import { maxReportNoteLength, reportCategoryPattern } from '../../review/check-report-arguments.js';
import { findReportedRequest } from '../../review/find-reported-request.js';
import { reportEventData, reportEventType } from '../../review/report-audit.js';
import { defaultReportLabel, expectedOutcomes, reportKinds, reportStatuses, type ReportLabel, type UserReport } from '../../review/report-store.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { adminEvent } from './admin-event.js';
import { parseWire } from './admin-wire.js';

const listQuery = z
  .object({
    status: z.enum(reportStatuses).optional(),
    kind: z.enum(reportKinds).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The id of the last report of the previous page. */
    before: z.string().min(1).max(100).optional(),
  })
  .strict();
const idParams = z.object({ id: z.string().min(1).max(100) }).strict();
const note = z.string().max(maxReportNoteLength).optional();
const confirmBody = z
  .object({
    note,
    label: z
      .object({ expect: z.enum(expectedOutcomes), category: z.string().regex(reportCategoryPattern, 'must be 1 to 100 letters, digits or _.:/-').optional() })
      .strict()
      .optional(),
  })
  .strict();
/** A dismissed report says nothing about what should have happened, so it takes no label. */
const dismissBody = z.object({ note }).strict();

/** A report as the admin API shows it: the user's note included, since a reviewer must read it. */
export function reportToWire(record: UserReport): Record<string, unknown> {
  return {
    id: record.id,
    object: 'report',
    status: record.status,
    kind: record.kind,
    tenant_id: record.tenantId,
    key_id: record.keyId,
    request_id: record.requestId,
    end_user_id: record.endUserId ?? null,
    note: record.note ?? null,
    created_at: record.createdAt.toISOString(),
    reviewed_at: record.reviewedAt?.toISOString() ?? null,
    reviewed_by: record.reviewedBy ?? null,
    review_note: record.reviewNote ?? null,
    label: record.label === undefined ? null : { expect: record.label.expect, category: record.label.category ?? null },
  };
}

/**
 * `/admin/v1/reports`: the review queue of user reports (`POST /v1/reports`). An `admin` key sees
 * and reviews its own tenant's, an `operator` any. One report shows the reported request's audit
 * event as the log holds it (content per `audit.content`), so the reviewer can judge. Confirming
 * records what should have happened (the label; by default what the report's kind implies);
 * a review is atomic (two reviewers at once: one wins, the other is told) and audited.
 */
export function registerAdminReportRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();

  app.get('/admin/v1/reports', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const query = parseWire(listQuery, request.query);
    const tenantId = visibleTenantFilter(auth);
    const records = await deps.reports.list({
      limit: query.limit,
      ...(tenantId === undefined ? {} : { tenantId }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.kind === undefined ? {} : { kind: query.kind }),
      ...(query.before === undefined ? {} : { before: query.before }),
    });
    return { object: 'list', data: records.map(reportToWire), has_more: records.length === query.limit };
  });

  app.get('/admin/v1/reports/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const { id } = parseWire(idParams, request.params);
    const tenantId = visibleTenantFilter(auth);
    const record = await deps.reports.get(id, tenantId === undefined ? {} : { tenantId });
    if (record === undefined) throw new PalisadeError('not_found', 'report not found');
    const event = await findReportedRequest(deps.audit.store, { tenantId: record.tenantId, requestId: record.requestId });
    // As `GET /admin/v1/audit/events` shows it; null once retention has deleted it.
    return { ...reportToWire(record), request_event: event === undefined ? null : { ...event.event, writer_id: event.writerId, seq: event.seq, hash: event.hash } };
  });

  for (const outcome of ['confirm', 'dismiss'] as const) {
    app.post(`/admin/v1/reports/:id/${outcome}`, async (request) => {
      const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
      const { id } = parseWire(idParams, request.params);
      const body = outcome === 'confirm' ? parseWire(confirmBody, request.body) : { ...parseWire(dismissBody, request.body), label: undefined };
      const tenantId = visibleTenantFilter(auth);
      const scope = tenantId === undefined ? {} : { tenantId };
      let label: ReportLabel | undefined;
      if (outcome === 'confirm') {
        const stored = await deps.reports.get(id, scope);
        if (stored === undefined) throw new PalisadeError('not_found', 'report not found');
        label = body.label === undefined ? defaultReportLabel(stored.kind) : { expect: body.label.expect, ...(body.label.category === undefined ? {} : { category: body.label.category }) };
        if (label === undefined && stored.status === 'open') {
          throw new PalisadeError('invalid_request', `confirming a report of kind ${stored.kind} needs a label: { "expect": "blocked" | "allowed" }`, { details: [{ path: 'label', message: 'required for this kind' }] });
        }
      }
      const result = await deps.reports.review({
        id,
        status: outcome === 'confirm' ? 'confirmed' : 'dismissed',
        by: auth.key.id,
        now: now(),
        ...(label === undefined ? {} : { label }),
        ...(body.note === undefined ? {} : { note: body.note }),
        ...scope,
      });
      if (result.state === 'not_found') throw new PalisadeError('not_found', 'report not found');
      if (result.state === 'already_reviewed') throw new PalisadeError('invalid_request', `report ${id} was already ${result.record.status}`);
      const { record } = result;
      await deps.audit.writer.append(adminEvent({ type: reportEventType(record), auth, tenantId: record.tenantId, now: now(), data: reportEventData(record) }));
      return reportToWire(record);
    });
  }
}

