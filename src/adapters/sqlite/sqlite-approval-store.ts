import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import {
  approvalStatusAt,
  type ApprovalRequest,
  type ApprovalStatus,
  type ApprovalStore,
  type DecideApprovalRequest,
  type DecideApprovalResult,
  type GetApprovalOptions,
  type ListApprovalsOptions,
  type MarkTokenIssuedRequest,
  type MarkTokenIssuedResult,
  type NewApprovalRequest,
} from '../../tools/approval-store.js';
import { checkDecideApprovalRequest, checkListApprovalsOptions, checkNewApprovalRequest, checkTime } from '../../tools/check-approval-arguments.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/**
 * Times are integer milliseconds since the epoch. `status` stores only pending, approved and
 * denied: `expired` is how a pending row past `expires_at` reads (`approvalStatusAt`).
 */
export const sqliteApprovalMigrations: readonly Migration[] = [
  {
    name: 'tool-approvals-001',
    sql: `
      CREATE TABLE tool_approvals (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        session_id TEXT,
        route TEXT,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        args_hash TEXT NOT NULL,
        risk TEXT NOT NULL CHECK (risk IN ('read', 'write', 'irreversible')),
        reasons TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        decided_at INTEGER,
        decided_by TEXT,
        note TEXT,
        call_id TEXT,
        token_issued_at INTEGER
      );
      CREATE INDEX tool_approvals_by_tenant ON tool_approvals (tenant_id, created_at DESC, id DESC);
      CREATE INDEX tool_approvals_by_time ON tool_approvals (created_at DESC, id DESC);
    `,
  },
];

interface ApprovalRow {
  id: string;
  tenant_id: string;
  key_id: string;
  request_id: string;
  session_id: string | null;
  route: string | null;
  tool: string;
  arguments: string;
  args_hash: string;
  risk: string;
  reasons: string;
  status: string;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
  call_id: string | null;
  token_issued_at: number | null;
}

const columns =
  'id, tenant_id, key_id, request_id, session_id, route, tool, arguments, args_hash, risk, reasons, status, created_at, expires_at, decided_at, decided_by, note, call_id, token_issued_at';
const reasonList = z.array(z.string());
const risk = z.enum(['read', 'write', 'irreversible']);
const storedStatus = z.enum(['pending', 'approved', 'denied']);
/** `(? IS NULL OR tenant_id = ?)`, bound with the tenant twice: absent means every tenant. */
const tenantScope = '(? IS NULL OR tenant_id = ?)';

/** Creates the table if needed and returns the store. The database stays the caller's to close. */
export function createSqliteApprovalStore(db: SqliteDatabase): SqliteApprovalStore {
  migrateSqlite(db, sqliteApprovalMigrations);
  return new SqliteApprovalStore(db);
}

/**
 * Approval requests in the embedded database. Every write is one conditional statement, atomic
 * under SQLite's write lock, so two processes on the same file deciding at once cannot both win.
 */
export class SqliteApprovalStore implements ApprovalStore {
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

  async create(request: NewApprovalRequest): Promise<'created' | 'exists'> {
    checkNewApprovalRequest(request);
    const result = this.#sql(
      `INSERT INTO tool_approvals (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, NULL, NULL, NULL, ?, NULL) ON CONFLICT (id) DO NOTHING`,
    ).run(
      request.id,
      request.tenantId,
      request.keyId,
      request.requestId,
      request.sessionId ?? null,
      request.route ?? null,
      request.tool,
      request.arguments,
      request.argsHash,
      request.risk,
      JSON.stringify(request.reasons),
      request.createdAt.getTime(),
      request.expiresAt.getTime(),
      request.callId ?? null,
    );
    return result.changes === 1 ? 'created' : 'exists';
  }

  async get(id: string, { now, tenantId }: GetApprovalOptions): Promise<ApprovalRequest | undefined> {
    checkTime('now', now);
    const row = this.#row(id, tenantId);
    return row === undefined ? undefined : recordFromRow(row, now);
  }

  async list(options: ListApprovalsOptions): Promise<ApprovalRequest[]> {
    checkListApprovalsOptions(options);
    const { now, tenantId, status, limit, before } = options;
    // Built per call, so that a tenant's list uses the index that starts with the tenant.
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (tenantId !== undefined) {
      conditions.push('tenant_id = ?');
      values.push(tenantId);
    }
    if (status !== undefined) {
      const [condition, ...bound] = statusCondition(status, now.getTime());
      conditions.push(condition);
      values.push(...bound);
    }
    if (before !== undefined) {
      const cursor = this.#row(before, tenantId);
      if (cursor === undefined) return [];
      conditions.push('(created_at < ? OR (created_at = ? AND id < ?))');
      values.push(cursor.created_at, cursor.created_at, cursor.id);
    }
    const rows = this.#sql(`SELECT ${columns} FROM tool_approvals ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...values, limit) as ApprovalRow[];
    return rows.map((row) => recordFromRow(row, now));
  }

  async decide(request: DecideApprovalRequest): Promise<DecideApprovalResult> {
    checkDecideApprovalRequest(request);
    const tenant = request.tenantId ?? null;
    const decided = this.#sql(
      `UPDATE tool_approvals SET status = ?, decided_at = ?, decided_by = ?, note = ?
       WHERE id = ? AND ${tenantScope} AND status = 'pending' AND expires_at > ? RETURNING ${columns}`,
    ).get(request.decision, request.now.getTime(), request.by, request.note ?? null, request.id, tenant, tenant, request.now.getTime()) as ApprovalRow | undefined;
    if (decided !== undefined) return { state: 'decided', record: recordFromRow(decided, request.now) };
    // Not decided now: the request is missing, decided already (a decision is final), or expired.
    const row = this.#row(request.id, request.tenantId);
    if (row === undefined) return { state: 'not_found' };
    const record = recordFromRow(row, request.now);
    if (record.status === 'expired') return { state: 'expired', record };
    if (record.status === 'pending') throw new PalisadeError('internal_error', 'approval store: a pending request could not be decided');
    return { state: 'already_decided', record };
  }

  async markTokenIssued({ id, now, tenantId }: MarkTokenIssuedRequest): Promise<MarkTokenIssuedResult> {
    checkTime('now', now);
    const tenant = tenantId ?? null;
    const issued = this.#sql(
      `UPDATE tool_approvals SET token_issued_at = ? WHERE id = ? AND ${tenantScope} AND status = 'approved' AND token_issued_at IS NULL RETURNING ${columns}`,
    ).get(now.getTime(), id, tenant, tenant) as ApprovalRow | undefined;
    if (issued !== undefined) return { state: 'issued', record: recordFromRow(issued, now) };
    const row = this.#row(id, tenantId);
    if (row === undefined) return { state: 'not_found' };
    const record = recordFromRow(row, now);
    return record.status === 'approved' ? { state: 'already_issued', record } : { state: 'not_approved', record };
  }

  #row(id: string, tenantId: string | undefined): ApprovalRow | undefined {
    const tenant = tenantId ?? null;
    return this.#sql(`SELECT ${columns} FROM tool_approvals WHERE id = ? AND ${tenantScope}`).get(id, tenant, tenant) as ApprovalRow | undefined;
  }
}

/** The WHERE condition for a status as of `now` (ms), and its bound values. */
function statusCondition(status: ApprovalStatus, now: number): [string, ...unknown[]] {
  if (status === 'pending') return ["status = 'pending' AND expires_at > ?", now];
  if (status === 'expired') return ["status = 'pending' AND expires_at <= ?", now];
  return ['status = ?', status];
}

function recordFromRow(row: ApprovalRow, now: Date): ApprovalRequest {
  const record: ApprovalRequest = {
    id: row.id,
    tenantId: row.tenant_id,
    keyId: row.key_id,
    requestId: row.request_id,
    tool: row.tool,
    arguments: row.arguments,
    argsHash: row.args_hash,
    risk: risk.parse(row.risk),
    reasons: reasonList.parse(JSON.parse(row.reasons)),
    status: storedStatus.parse(row.status),
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
  record.status = approvalStatusAt(record, now);
  if (row.session_id !== null) record.sessionId = row.session_id;
  if (row.route !== null) record.route = row.route;
  if (row.decided_at !== null) record.decidedAt = new Date(row.decided_at);
  if (row.decided_by !== null) record.decidedBy = row.decided_by;
  if (row.note !== null) record.note = row.note;
  if (row.call_id !== null) record.callId = row.call_id;
  if (row.token_issued_at !== null) record.tokenIssuedAt = new Date(row.token_issued_at);
  return record;
}
