import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { checkListReportsOptions, checkNewUserReport, checkReviewReportRequest, checkTenantOption } from '../../review/check-report-arguments.js';
import {
  expectedOutcomes,
  reportKinds,
  reportStatuses,
  type CreateReportResult,
  type GetReportOptions,
  type ListReportsOptions,
  type NewUserReport,
  type ReportStore,
  type ReviewReportRequest,
  type ReviewReportResult,
  type UserReport,
} from '../../review/report-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/**
 * Times are integer milliseconds since the epoch. The unique index on (tenant, key, request) is
 * what makes "one report per key and request" hold across processes on the same file.
 */
export const sqliteReportMigrations: readonly Migration[] = [
  {
    name: 'user-reports-001',
    sql: `
      CREATE TABLE user_reports (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('bad_answer', 'wrong_block', 'other')),
        note TEXT,
        end_user_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'dismissed')),
        created_at INTEGER NOT NULL,
        reviewed_at INTEGER,
        reviewed_by TEXT,
        review_note TEXT,
        label_expect TEXT CHECK (label_expect IN ('blocked', 'allowed')),
        label_category TEXT
      );
      CREATE UNIQUE INDEX user_reports_one_per_key ON user_reports (tenant_id, key_id, request_id);
      CREATE INDEX user_reports_by_tenant ON user_reports (tenant_id, created_at DESC, id DESC);
      CREATE INDEX user_reports_by_time ON user_reports (created_at DESC, id DESC);
    `,
  },
];

interface ReportRow {
  id: string;
  tenant_id: string;
  key_id: string;
  request_id: string;
  kind: string;
  note: string | null;
  end_user_id: string | null;
  status: string;
  created_at: number;
  reviewed_at: number | null;
  reviewed_by: string | null;
  review_note: string | null;
  label_expect: string | null;
  label_category: string | null;
}

const columns = 'id, tenant_id, key_id, request_id, kind, note, end_user_id, status, created_at, reviewed_at, reviewed_by, review_note, label_expect, label_category';
const kind = z.enum(reportKinds);
const status = z.enum(reportStatuses);
const expectation = z.enum(expectedOutcomes);
/** `(? IS NULL OR tenant_id = ?)`, bound with the tenant twice: absent means every tenant. */
const tenantScope = '(? IS NULL OR tenant_id = ?)';

/** Creates the table if needed and returns the store. The database stays the caller's to close. */
export function createSqliteReportStore(db: SqliteDatabase): SqliteReportStore {
  migrateSqlite(db, sqliteReportMigrations);
  return new SqliteReportStore(db);
}

/**
 * Reports in the embedded database. Every write is one conditional statement, atomic under
 * SQLite's write lock, so two processes on the same file reviewing at once cannot both win.
 */
export class SqliteReportStore implements ReportStore {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  #sql(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) this.#statements.set(source, (statement = this.#db.prepare(source)));
    return statement;
  }

  async create(report: NewUserReport): Promise<CreateReportResult> {
    checkNewUserReport(report);
    const inserted = this.#sql(`INSERT INTO user_reports (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, NULL, NULL, NULL, NULL, NULL) ON CONFLICT DO NOTHING RETURNING ${columns}`).get(
      report.id,
      report.tenantId,
      report.keyId,
      report.requestId,
      report.kind,
      report.note ?? null,
      report.endUserId ?? null,
      report.createdAt.getTime(),
    ) as ReportRow | undefined;
    if (inserted !== undefined) return { state: 'created', record: recordFromRow(inserted) };
    const existing = this.#sql(`SELECT ${columns} FROM user_reports WHERE tenant_id = ? AND key_id = ? AND request_id = ?`).get(report.tenantId, report.keyId, report.requestId) as ReportRow | undefined;
    if (existing === undefined) throw new PalisadeError('invalid_argument', 'report store: id is taken by another report');
    return { state: 'exists', record: recordFromRow(existing) };
  }

  async get(id: string, options: GetReportOptions = {}): Promise<UserReport | undefined> {
    checkTenantOption(options.tenantId);
    const row = this.#row(id, options.tenantId);
    return row === undefined ? undefined : recordFromRow(row);
  }

  async list(options: ListReportsOptions): Promise<UserReport[]> {
    checkListReportsOptions(options);
    // Built per call, so that a tenant's list uses the index that starts with the tenant.
    const conditions: string[] = [];
    const values: unknown[] = [];
    for (const [column, value] of [
      ['tenant_id', options.tenantId],
      ['status', options.status],
      ['kind', options.kind],
    ] as const) {
      if (value === undefined) continue;
      conditions.push(`${column} = ?`);
      values.push(value);
    }
    if (options.before !== undefined) {
      const cursor = this.#row(options.before, options.tenantId);
      if (cursor === undefined) return [];
      conditions.push('(created_at < ? OR (created_at = ? AND id < ?))');
      values.push(cursor.created_at, cursor.created_at, cursor.id);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = this.#sql(`SELECT ${columns} FROM user_reports ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...values, options.limit) as ReportRow[];
    return rows.map(recordFromRow);
  }

  async review(request: ReviewReportRequest): Promise<ReviewReportResult> {
    checkReviewReportRequest(request);
    const tenant = request.tenantId ?? null;
    const reviewed = this.#sql(
      `UPDATE user_reports SET status = ?, reviewed_at = ?, reviewed_by = ?, review_note = ?, label_expect = ?, label_category = ?
       WHERE id = ? AND ${tenantScope} AND status = 'open' RETURNING ${columns}`,
    ).get(request.status, request.now.getTime(), request.by, request.note ?? null, request.label?.expect ?? null, request.label?.category ?? null, request.id, tenant, tenant) as ReportRow | undefined;
    if (reviewed !== undefined) return { state: 'reviewed', record: recordFromRow(reviewed) };
    // Not reviewed now: the report is missing (or another tenant's), or reviewed already (a review is final).
    const row = this.#row(request.id, request.tenantId);
    if (row === undefined) return { state: 'not_found' };
    const record = recordFromRow(row);
    if (record.status === 'open') throw new PalisadeError('internal_error', 'report store: an open report could not be reviewed');
    return { state: 'already_reviewed', record };
  }

  #row(id: string, tenantId: string | undefined): ReportRow | undefined {
    const tenant = tenantId ?? null;
    return this.#sql(`SELECT ${columns} FROM user_reports WHERE id = ? AND ${tenantScope}`).get(id, tenant, tenant) as ReportRow | undefined;
  }
}

function recordFromRow(row: ReportRow): UserReport {
  const record: UserReport = {
    id: row.id,
    tenantId: row.tenant_id,
    keyId: row.key_id,
    requestId: row.request_id,
    kind: kind.parse(row.kind),
    status: status.parse(row.status),
    createdAt: new Date(row.created_at),
  };
  if (row.note !== null) record.note = row.note;
  if (row.end_user_id !== null) record.endUserId = row.end_user_id;
  if (row.reviewed_at !== null) record.reviewedAt = new Date(row.reviewed_at);
  if (row.reviewed_by !== null) record.reviewedBy = row.reviewed_by;
  if (row.review_note !== null) record.reviewNote = row.review_note;
  if (row.label_expect !== null) record.label = { expect: expectation.parse(row.label_expect), ...(row.label_category === null ? {} : { category: row.label_category }) };
  return record;
}
