import {
  approvalStatusAt,
  type ApprovalRequest,
  type ApprovalStore,
  type DecideApprovalResult,
  type ListApprovalsOptions,
  type MarkTokenIssuedResult,
  type NewApprovalRequest,
} from './approval-store.js';
import { checkDecideApprovalRequest, checkListApprovalsOptions, checkNewApprovalRequest, checkTime } from './check-approval-arguments.js';

/**
 * Approval requests in this process only: for tests and a single process without a database.
 * Nothing is ever removed (there is no retention yet), so it grows with the requests made.
 * Everything is copied in and out, so callers can never change stored state by mutating a result.
 * No method awaits between its check and its write, so each is atomic within the process.
 */
export function createMemoryApprovalStore(): ApprovalStore {
  /** As stored: `status` is never `expired` here. */
  const records = new Map<string, ApprovalRequest>();

  /** The stored record, unless it belongs to another tenant than the one given. */
  function visible(id: string, tenantId: string | undefined): ApprovalRequest | undefined {
    const record = records.get(id);
    return record === undefined || (tenantId !== undefined && record.tenantId !== tenantId) ? undefined : record;
  }

  function copyAt(record: ApprovalRequest, now: Date): ApprovalRequest {
    const copy = structuredClone(record);
    copy.status = approvalStatusAt(record, now);
    return copy;
  }

  return {
    async create(request: NewApprovalRequest) {
      checkNewApprovalRequest(request);
      if (records.has(request.id)) return 'exists';
      records.set(request.id, { ...structuredClone(request), status: 'pending' });
      return 'created';
    },

    async get(id, { now, tenantId }) {
      checkTime('now', now);
      const record = visible(id, tenantId);
      return record === undefined ? undefined : copyAt(record, now);
    },

    async list(options: ListApprovalsOptions) {
      checkListApprovalsOptions(options);
      const { now, tenantId, status, limit, before } = options;
      let cursor: ApprovalRequest | undefined;
      if (before !== undefined) {
        cursor = visible(before, tenantId);
        if (cursor === undefined) return [];
      }
      const after = cursor;
      return [...records.values()]
        .filter((record) => tenantId === undefined || record.tenantId === tenantId)
        .filter((record) => status === undefined || approvalStatusAt(record, now) === status)
        .filter((record) => after === undefined || newestFirst(record, after) > 0)
        .sort(newestFirst)
        .slice(0, limit)
        .map((record) => copyAt(record, now));
    },

    async decide(request): Promise<DecideApprovalResult> {
      checkDecideApprovalRequest(request);
      const record = visible(request.id, request.tenantId);
      if (record === undefined) return { state: 'not_found' };
      const status = approvalStatusAt(record, request.now);
      if (status === 'expired') return { state: 'expired', record: copyAt(record, request.now) };
      if (status !== 'pending') return { state: 'already_decided', record: copyAt(record, request.now) };
      record.status = request.decision;
      record.decidedAt = new Date(request.now.getTime());
      record.decidedBy = request.by;
      if (request.note !== undefined) record.note = request.note;
      return { state: 'decided', record: copyAt(record, request.now) };
    },

    async markTokenIssued({ id, now, tenantId }): Promise<MarkTokenIssuedResult> {
      checkTime('now', now);
      const record = visible(id, tenantId);
      if (record === undefined) return { state: 'not_found' };
      if (record.status !== 'approved') return { state: 'not_approved', record: copyAt(record, now) };
      if (record.tokenIssuedAt !== undefined) return { state: 'already_issued', record: copyAt(record, now) };
      record.tokenIssuedAt = new Date(now.getTime());
      return { state: 'issued', record: copyAt(record, now) };
    },
  };
}

/** Sort order of `list`: newer first, then the greater id first (ids compared by UTF-16 code units). */
function newestFirst(a: ApprovalRequest, b: ApprovalRequest): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
