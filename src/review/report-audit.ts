import type { UserReport } from './report-store.js';

/**
 * The audit events of reports: `report-created` when a user reports a request, `report-confirmed`
 * or `report-dismissed` when a person reviews it. They name the report, the request and the
 * verdict, and hold the reviewer's note as approvals' events do; never the user's own note or
 * end-user id, which are the user's words (the report store keeps them, the report id links).
 */
export type ReportEventType = 'report-created' | 'report-confirmed' | 'report-dismissed';

export function reportEventType(record: UserReport): ReportEventType {
  if (record.status === 'confirmed') return 'report-confirmed';
  if (record.status === 'dismissed') return 'report-dismissed';
  return 'report-created';
}

/** The event's `data` for the report as it stands: created (open) or reviewed. */
export function reportEventData(record: UserReport): Record<string, unknown> {
  return {
    report_id: record.id,
    request_id: record.requestId,
    kind: record.kind,
    ...(record.status === 'open' ? { has_note: record.note !== undefined, has_end_user: record.endUserId !== undefined } : {}),
    ...(record.label === undefined ? {} : { label: { expect: record.label.expect, ...(record.label.category === undefined ? {} : { category: record.label.category }) } }),
    ...(record.reviewNote === undefined ? {} : { note: record.reviewNote }),
  };
}
