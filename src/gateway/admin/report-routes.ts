import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChainedEvent } from '../../audit/audit-event.js';
import { queryAuditLog } from '../../audit/query-audit-log.js';
import { PalisadeError } from '../../core/errors.js';
import type { Authentication } from '../../keys/authenticate.js';
import { visibleTenantFilter } from '../../keys/tenant-visibility.js';
import { maxReportNoteLength, reportCategoryPattern } from '../../review/check-report-arguments.js';
import { findReportedRequest } from '../../review/find-reported-request.js';
import { reportEventData, reportEventType } from '../../review/report-audit.js';
import { defaultReportLabel, expectedOutcomes, newReportId, reportKinds, reportStatuses, type ReportLabel, type UserReport } from '../../review/report-store.js';
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
/** What a confirmed report says should have happened. */
const reportLabelSchema = z.object({ expect: z.enum(expectedOutcomes), category: z.string().regex(reportCategoryPattern, 'must be 1 to 100 letters, digits or _.:/-').optional() }).strict();
const confirmBody = z.object({ note, label: reportLabelSchema.optional() }).strict();
/** A dismissed report says nothing about what should have happened, so it takes no label. */
const dismissBody = z.object({ note }).strict();
/** A reviewer's own report: the note is their reason, so it is required; `confirm` files and confirms in one step. */
const fileBody = z
  .object({
    request_id: z.string().min(1).max(200),
    kind: z.enum(reportKinds),
    note: z.string().max(maxReportNoteLength).regex(/\S/, 'must say why (the reviewer’s reason)'),
    confirm: reportLabelSchema.optional(),
  })
  .strict();

const labelFromWire = (label: z.output<typeof reportLabelSchema>): ReportLabel => ({ expect: label.expect, ...(label.category === undefined ? {} : { category: label.category }) });

/** The audit event of a review (`report-confirmed`, `report-dismissed`), naming the reviewing key. */
function reviewEvent(options: { auth: Authentication; record: UserReport; now: Date }) {
  return adminEvent({ type: reportEventType(options.record), auth: options.auth, tenantId: options.record.tenantId, now: options.now, data: reportEventData(options.record) });
}

/**
 * The completion request a reviewer may file a report on: one of their tenant's, or for an
 * operator any tenant's. Anything else is `undefined`, as `findReportedRequest` answers.
 */
async function findReviewableRequest(deps: GatewayDependencies, auth: Authentication, requestId: string): Promise<ChainedEvent | undefined> {
  const visible = visibleTenantFilter(auth);
  if (visible !== undefined) return findReportedRequest(deps.audit.store, { tenantId: visible, requestId });
  // An operator names a request, not its tenant: the log says whose it is.
  const page = await queryAuditLog(deps.audit.store, { scope: { kind: 'operator' }, query: { id: requestId, type: 'request', limit: 1 } });
  const tenantId = page.events[0]?.event.tenantId;
  return tenantId === undefined ? undefined : findReportedRequest(deps.audit.store, { tenantId, requestId });
}

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
 * a review is atomic (two reviewers at once: one wins, the other is told) and audited. A
 * reviewer may also file (and confirm) a report of their own on a request nobody reported, such
 * as one the policy held for a person.
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
        label = body.label === undefined ? defaultReportLabel(stored.kind) : labelFromWire(body.label);
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
      await deps.audit.writer.append(reviewEvent({ auth, record: result.record, now: now() }));
      return reportToWire(result.record);
    });
  }

  /**
   * A reviewer's verdict on a request nobody reported: typically one the policy held
   * (`escalate`, `require_approval`), which cannot be released afterwards, so the verdict is
   * what feeds the eval loop. Filed under the reviewer's key, idempotent per key and request as
   * `POST /v1/reports` is; with `confirm`, confirmed in the same call. A retry finds the report
   * as first filed and confirms it if it is still open (the first call may have stopped between
   * the two steps); one already reviewed is answered as it stands.
   */
  app.post('/admin/v1/reports', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const body = parseWire(fileBody, request.body);
    const event = await findReviewableRequest(deps, auth, body.request_id);
    const tenantId = event?.event.tenantId;
    if (tenantId === undefined) throw new PalisadeError('not_found', 'no completion request with this request_id', { details: [{ path: 'request_id', message: 'not found' }] });
    const at = now();
    const filed = await deps.reports.create({ id: newReportId(), tenantId, keyId: auth.key.id, requestId: body.request_id, kind: body.kind, note: body.note, createdAt: at });
    // Not counted against a rollout arm's health as a user's report is: a reviewer judges after the fact, not the user.
    if (filed.state === 'created') {
      await deps.audit.writer.append({
        id: `${filed.record.id}-created`,
        type: 'report-created',
        time: at.toISOString(),
        tenantId,
        actor: auth.key.id,
        // The note is the reviewer's reason, recorded as reviews' notes are (a user's words never are).
        data: { ...reportEventData(filed.record), filed_by: 'reviewer', note: body.note },
      });
    }
    let record = filed.record;
    if (body.confirm !== undefined && record.status === 'open') {
      const result = await deps.reports.review({ id: record.id, status: 'confirmed', by: auth.key.id, now: now(), label: labelFromWire(body.confirm), note: body.note, tenantId });
      if (result.state === 'not_found') throw new PalisadeError('not_found', 'report not found');
      if (result.state === 'reviewed') await deps.audit.writer.append(reviewEvent({ auth, record: result.record, now: now() }));
      // Reviewed by someone else in between: that review stands, and is what the answer shows.
      record = result.record;
    }
    return reply.code(filed.state === 'created' ? 201 : 200).send(reportToWire(record));
  });
}

