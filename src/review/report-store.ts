/**
 * User reports: the review queue for answers (or refusals) a user says were wrong. The interface
 * every backend (memory, SQLite, PostgreSQL) implements, checked by one contract suite
 * (`report-store-contract.ts`).
 *
 * Lifecycle of a report:
 *
 *     create ──► open ──review(confirmed)──► confirmed (with a label: what should have happened)
 *                  └───review(dismissed)──► dismissed
 *
 * - A report names one completion request (`requestId`, the request's audit event id) of its
 *   tenant. The caller checks that the request exists and is the tenant's before `create`: the
 *   store keeps reports, it does not read the audit log.
 * - One report per key and request: `create` of a request the same key already reported changes
 *   nothing and returns the stored report (`exists`), so a client may retry a report safely.
 *   The first report stands; a second with another kind or note does not replace it.
 * - `review` is atomic: only an open report is reviewed; of two reviewers at once, exactly one
 *   wins and the other is told `already_reviewed`. A review is final.
 * - Only a confirmed report carries a `label`; a dismissed one never does (the report was wrong,
 *   so there is nothing to learn from it).
 *
 * Tenant scoping: reads and `review` take an optional `tenantId`; when given, another tenant's
 * report is treated exactly like one that does not exist (`undefined` / `not_found`).
 */
import { randomBytes } from 'node:crypto';

export type ReportKind = 'bad_answer' | 'wrong_block' | 'other';
export const reportKinds = ['bad_answer', 'wrong_block', 'other'] as const satisfies readonly ReportKind[];

export type ReportStatus = 'open' | 'confirmed' | 'dismissed';
export const reportStatuses = ['open', 'confirmed', 'dismissed'] as const satisfies readonly ReportStatus[];

export type ReviewOutcome = 'confirmed' | 'dismissed';

/** What the gateway should have done with the reported request. */
export type ExpectedOutcome = 'blocked' | 'allowed';
export const expectedOutcomes = ['blocked', 'allowed'] as const satisfies readonly ExpectedOutcome[];

/** A confirmed report's verdict: what should have happened, and optionally under which category (`prompt_injection`, `pii`…). */
export interface ReportLabel {
  expect: ExpectedOutcome;
  category?: string;
}

export interface UserReport {
  id: string;
  tenantId: string;
  /** The API key that made the report. */
  keyId: string;
  /** The audit event id of the reported completion request (its `x-palisade-request-id`). */
  requestId: string;
  kind: ReportKind;
  /** The user's words, as sent; at most 2,000 characters. */
  note?: string;
  /** The application's id for its end user, as sent (opaque to Palisade). */
  endUserId?: string;
  status: ReportStatus;
  createdAt: Date;
  reviewedAt?: Date;
  /** The key id of the reviewer, or `cli`. */
  reviewedBy?: string;
  /** The reviewer's note. */
  reviewNote?: string;
  /** Only on confirmed reports. */
  label?: ReportLabel;
}

/** What `create` takes: a report as made, before any review. It is stored as open. */
export type NewUserReport = Omit<UserReport, 'status' | 'reviewedAt' | 'reviewedBy' | 'reviewNote' | 'label'>;

export type CreateReportResult =
  | { state: 'created'; record: UserReport }
  /** This key had already reported this request: the stored report, unchanged. */
  | { state: 'exists'; record: UserReport };

export interface GetReportOptions {
  /** When given, another tenant's report is `undefined`. */
  tenantId?: string;
}

export interface ListReportsOptions {
  /** Only this tenant's reports; absent: every tenant's (for operators). */
  tenantId?: string;
  status?: ReportStatus;
  kind?: ReportKind;
  /** At most this many, 1 to 1,000. */
  limit: number;
  /**
   * A page cursor: the id of the last report of the previous page; the list continues with
   * older ones. A cursor that does not exist (or belongs to another tenant) gives an empty list.
   */
  before?: string;
}

export interface ReviewReportRequest {
  id: string;
  status: ReviewOutcome;
  /** Only with `confirmed`. */
  label?: ReportLabel;
  /** The key id of the reviewer, or `cli`. */
  by: string;
  note?: string;
  now: Date;
  /** When given, a report of another tenant is `not_found`. */
  tenantId?: string;
}

export type ReviewReportResult =
  | { state: 'reviewed'; record: UserReport }
  | { state: 'not_found' }
  /** Confirmed or dismissed already (possibly by a reviewer running at the same time): nothing changed. */
  | { state: 'already_reviewed'; record: UserReport };

export interface ReportStore {
  /** Stores a new open report, or returns the one this key already made of this request. */
  create(report: NewUserReport): Promise<CreateReportResult>;
  get(id: string, options?: GetReportOptions): Promise<UserReport | undefined>;
  /** Newest first (by `createdAt`, then id, descending). */
  list(options: ListReportsOptions): Promise<UserReport[]>;
  review(request: ReviewReportRequest): Promise<ReviewReportResult>;
}

/** A fresh report id: `rpt_` and 128 random bits, safe in a URL path. */
export function newReportId(): string {
  return `rpt_${randomBytes(16).toString('base64url')}`;
}

/**
 * The label a confirmation means when the reviewer gives none: a confirmed `wrong_block` says the
 * request should have been allowed, a confirmed `bad_answer` that the answer should have been
 * stopped. An `other` report says neither: the reviewer must give the label (undefined here).
 */
export function defaultReportLabel(kind: ReportKind): ReportLabel | undefined {
  if (kind === 'wrong_block') return { expect: 'allowed' };
  if (kind === 'bad_answer') return { expect: 'blocked' };
  return undefined;
}
