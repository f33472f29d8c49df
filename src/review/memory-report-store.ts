import { PalisadeError } from '../core/errors.js';
import { checkListReportsOptions, checkNewUserReport, checkReviewReportRequest, checkTenantOption } from './check-report-arguments.js';
import type { CreateReportResult, ListReportsOptions, NewUserReport, ReportStore, ReviewReportResult, UserReport } from './report-store.js';

/**
 * Reports in this process only: for tests and a single process without a database. Nothing is
 * ever removed. Everything is copied in and out, so callers can never change stored state by
 * mutating a result. No method awaits between its check and its write, so each is atomic within
 * the process.
 */
export function createMemoryReportStore(): ReportStore {
  const records = new Map<string, UserReport>();
  /** `tenant key request` → report id: one report per key and request. */
  const byReporter = new Map<string, string>();
  const reporterKey = (report: Pick<UserReport, 'tenantId' | 'keyId' | 'requestId'>): string => JSON.stringify([report.tenantId, report.keyId, report.requestId]);

  function visible(id: string, tenantId: string | undefined): UserReport | undefined {
    const record = records.get(id);
    return record === undefined || (tenantId !== undefined && record.tenantId !== tenantId) ? undefined : record;
  }

  return {
    async create(report: NewUserReport): Promise<CreateReportResult> {
      checkNewUserReport(report);
      const existing = byReporter.get(reporterKey(report));
      if (existing !== undefined) return { state: 'exists', record: structuredClone(records.get(existing) as UserReport) };
      if (records.has(report.id)) throw new PalisadeError('invalid_argument', 'report store: id is taken by another report');
      const record: UserReport = { ...structuredClone(report), status: 'open' };
      records.set(report.id, record);
      byReporter.set(reporterKey(report), report.id);
      return { state: 'created', record: structuredClone(record) };
    },

    async get(id, options = {}) {
      checkTenantOption(options.tenantId);
      const record = visible(id, options.tenantId);
      return record === undefined ? undefined : structuredClone(record);
    },

    async list(options: ListReportsOptions) {
      checkListReportsOptions(options);
      const { tenantId, status, kind, limit, before } = options;
      let cursor: UserReport | undefined;
      if (before !== undefined) {
        cursor = visible(before, tenantId);
        if (cursor === undefined) return [];
      }
      const after = cursor;
      return [...records.values()]
        .filter((record) => tenantId === undefined || record.tenantId === tenantId)
        .filter((record) => status === undefined || record.status === status)
        .filter((record) => kind === undefined || record.kind === kind)
        .filter((record) => after === undefined || newestFirst(record, after) > 0)
        .sort(newestFirst)
        .slice(0, limit)
        .map((record) => structuredClone(record));
    },

    async review(request): Promise<ReviewReportResult> {
      checkReviewReportRequest(request);
      const record = visible(request.id, request.tenantId);
      if (record === undefined) return { state: 'not_found' };
      if (record.status !== 'open') return { state: 'already_reviewed', record: structuredClone(record) };
      record.status = request.status;
      record.reviewedAt = new Date(request.now.getTime());
      record.reviewedBy = request.by;
      if (request.note !== undefined) record.reviewNote = request.note;
      if (request.label !== undefined) record.label = { expect: request.label.expect, ...(request.label.category === undefined ? {} : { category: request.label.category }) };
      return { state: 'reviewed', record: structuredClone(record) };
    },
  };
}

/** Sort order of `list`: newer first, then the greater id first (ids compared by UTF-16 code units). */
function newestFirst(a: UserReport, b: UserReport): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
