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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * The unique index on (tenant, key, request) makes "one report per key and request" hold across
 * replicas. Ids sort with COLLATE "C" (byte order), the same in every backend whatever the
 * database's locale.
 */
export const postgresReportMigrations: readonly Migration[] = [
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
        created_at TIMESTAMPTZ NOT NULL,
        reviewed_at TIMESTAMPTZ,
        reviewed_by TEXT,
        review_note TEXT,
        label_expect TEXT CHECK (label_expect IN ('blocked', 'allowed')),
        label_category TEXT
      );
      CREATE UNIQUE INDEX user_reports_one_per_key ON user_reports (tenant_id, key_id, request_id);
      CREATE INDEX user_reports_by_tenant ON user_reports (tenant_id, created_at DESC, id COLLATE "C" DESC);
      CREATE INDEX user_reports_by_time ON user_reports (created_at DESC, id COLLATE "C" DESC);
    `,
  },
];

/** As node-postgres returns them: TIMESTAMPTZ as Date. */
interface ReportRow {
  id: string;
  tenant_id: string;
  key_id: string;
  request_id: string;
  kind: string;
  note: string | null;
  end_user_id: string | null;
  status: string;
  created_at: Date;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  review_note: string | null;
  label_expect: string | null;
  label_category: string | null;
}

const columns = 'id, tenant_id, key_id, request_id, kind, note, end_user_id, status, created_at, reviewed_at, reviewed_by, review_note, label_expect, label_category';
const kind = z.enum(reportKinds);
const status = z.enum(reportStatuses);
const expectation = z.enum(expectedOutcomes);

/** Creates the table if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresReportStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<PostgresReportStore> {
  await migratePostgres(pool, postgresReportMigrations, options);
  return new PostgresReportStore(pool);
}

/**
 * Reports shared by every replica. A review is one conditional UPDATE: it locks the row, so a
 * reviewer running at the same time waits, then finds the report no longer open and changes
 * nothing. Two creates of the same key and request meet at the unique index: the second waits
 * for the first to commit, inserts nothing, then reads the first's row.
 */
export class PostgresReportStore implements ReportStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async create(report: NewUserReport): Promise<CreateReportResult> {
    checkNewUserReport(report);
    const { rows } = await this.#pool.query<ReportRow>(
      `INSERT INTO user_reports (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, NULL, NULL, NULL, NULL, NULL) ON CONFLICT DO NOTHING RETURNING ${columns}`,
      [report.id, report.tenantId, report.keyId, report.requestId, report.kind, report.note ?? null, report.endUserId ?? null, report.createdAt],
    );
    if (rows[0] !== undefined) return { state: 'created', record: recordFromRow(rows[0]) };
    const existing = await this.#pool.query<ReportRow>(`SELECT ${columns} FROM user_reports WHERE tenant_id = $1 AND key_id = $2 AND request_id = $3`, [report.tenantId, report.keyId, report.requestId]);
    if (existing.rows[0] === undefined) throw new PalisadeError('invalid_argument', 'report store: id is taken by another report');
    return { state: 'exists', record: recordFromRow(existing.rows[0]) };
  }

  async get(id: string, options: GetReportOptions = {}): Promise<UserReport | undefined> {
    checkTenantOption(options.tenantId);
    const row = await this.#row(id, options.tenantId);
    return row === undefined ? undefined : recordFromRow(row);
  }

  async list(options: ListReportsOptions): Promise<UserReport[]> {
    checkListReportsOptions(options);
    const conditions: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    if (options.tenantId !== undefined) conditions.push(`tenant_id = ${bind(options.tenantId)}`);
    if (options.status !== undefined) conditions.push(`status = ${bind(options.status)}`);
    if (options.kind !== undefined) conditions.push(`kind = ${bind(options.kind)}`);
    if (options.before !== undefined) {
      const cursor = await this.#row(options.before, options.tenantId);
      if (cursor === undefined) return [];
      const createdAt = bind(cursor.created_at);
      conditions.push(`(created_at < ${createdAt} OR (created_at = ${createdAt} AND id COLLATE "C" < ${bind(cursor.id)}))`);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const { rows } = await this.#pool.query<ReportRow>(`SELECT ${columns} FROM user_reports ${where} ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT ${bind(options.limit)}`, values);
    return rows.map(recordFromRow);
  }

  async review(request: ReviewReportRequest): Promise<ReviewReportResult> {
    checkReviewReportRequest(request);
    const { rows } = await this.#pool.query<ReportRow>(
      `UPDATE user_reports SET status = $2, reviewed_at = $3, reviewed_by = $4, review_note = $5, label_expect = $6, label_category = $7
       WHERE id = $1 AND ($8::text IS NULL OR tenant_id = $8) AND status = 'open' RETURNING ${columns}`,
      [request.id, request.status, request.now, request.by, request.note ?? null, request.label?.expect ?? null, request.label?.category ?? null, request.tenantId ?? null],
    );
    if (rows[0] !== undefined) return { state: 'reviewed', record: recordFromRow(rows[0]) };
    // Not reviewed now: the report is missing (or another tenant's), or reviewed already (a review is final).
    const row = await this.#row(request.id, request.tenantId);
    if (row === undefined) return { state: 'not_found' };
    const record = recordFromRow(row);
    if (record.status === 'open') throw new PalisadeError('internal_error', 'report store: an open report could not be reviewed');
    return { state: 'already_reviewed', record };
  }

  async #row(id: string, tenantId: string | undefined): Promise<ReportRow | undefined> {
    const { rows } = await this.#pool.query<ReportRow>(`SELECT ${columns} FROM user_reports WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2)`, [id, tenantId ?? null]);
    return rows[0];
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
    createdAt: row.created_at,
  };
  if (row.note !== null) record.note = row.note;
  if (row.end_user_id !== null) record.endUserId = row.end_user_id;
  if (row.reviewed_at !== null) record.reviewedAt = row.reviewed_at;
  if (row.reviewed_by !== null) record.reviewedBy = row.reviewed_by;
  if (row.review_note !== null) record.reviewNote = row.review_note;
  if (row.label_expect !== null) record.label = { expect: expectation.parse(row.label_expect), ...(row.label_category === null ? {} : { category: row.label_category }) };
  return record;
}
