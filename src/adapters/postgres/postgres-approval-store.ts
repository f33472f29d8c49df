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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * `status` stores only pending, approved and denied: `expired` is how a pending row past
 * `expires_at` reads (`approvalStatusAt`). Ids sort with COLLATE "C" (byte order), the same in
 * every backend whatever the database's locale.
 */
export const postgresApprovalMigrations: readonly Migration[] = [
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
        reasons TEXT[] NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        decided_at TIMESTAMPTZ,
        decided_by TEXT,
        note TEXT,
        call_id TEXT,
        token_issued_at TIMESTAMPTZ
      );
      CREATE INDEX tool_approvals_by_tenant ON tool_approvals (tenant_id, created_at DESC, id COLLATE "C" DESC);
      CREATE INDEX tool_approvals_by_time ON tool_approvals (created_at DESC, id COLLATE "C" DESC);
    `,
  },
];

/** As node-postgres returns them: TIMESTAMPTZ as Date, TEXT[] as an array. */
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
  reasons: unknown;
  status: string;
  created_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  note: string | null;
  call_id: string | null;
  token_issued_at: Date | null;
}

const columns =
  'id, tenant_id, key_id, request_id, session_id, route, tool, arguments, args_hash, risk, reasons, status, created_at, expires_at, decided_at, decided_by, note, call_id, token_issued_at';
const reasonList = z.array(z.string());
const risk = z.enum(['read', 'write', 'irreversible']);
const storedStatus = z.enum(['pending', 'approved', 'denied']);

/** Creates the table if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresApprovalStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<PostgresApprovalStore> {
  await migratePostgres(pool, postgresApprovalMigrations, options);
  return new PostgresApprovalStore(pool);
}

/**
 * Approval requests shared by every replica. Each write is one conditional UPDATE: it locks the
 * row, so a decider running at the same time waits, then finds the request no longer pending and
 * changes nothing.
 */
export class PostgresApprovalStore implements ApprovalStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async create(request: NewApprovalRequest): Promise<'created' | 'exists'> {
    checkNewApprovalRequest(request);
    const { rowCount } = await this.#pool.query(
      `INSERT INTO tool_approvals (${columns})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, NULL, NULL, NULL, $14, NULL) ON CONFLICT (id) DO NOTHING`,
      [
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
        request.reasons,
        request.createdAt,
        request.expiresAt,
        request.callId ?? null,
      ],
    );
    return rowCount === 1 ? 'created' : 'exists';
  }

  async get(id: string, { now, tenantId }: GetApprovalOptions): Promise<ApprovalRequest | undefined> {
    checkTime('now', now);
    const row = await this.#row(id, tenantId);
    return row === undefined ? undefined : recordFromRow(row, now);
  }

  async list(options: ListApprovalsOptions): Promise<ApprovalRequest[]> {
    checkListApprovalsOptions(options);
    const { now, tenantId, status, limit, before } = options;
    const conditions: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    if (tenantId !== undefined) conditions.push(`tenant_id = ${bind(tenantId)}`);
    if (status !== undefined) conditions.push(statusCondition(status, now, bind));
    if (before !== undefined) {
      const cursor = await this.#row(before, tenantId);
      if (cursor === undefined) return [];
      const createdAt = bind(cursor.created_at);
      conditions.push(`(created_at < ${createdAt} OR (created_at = ${createdAt} AND id COLLATE "C" < ${bind(cursor.id)}))`);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const { rows } = await this.#pool.query<ApprovalRow>(`SELECT ${columns} FROM tool_approvals ${where} ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT ${bind(limit)}`, values);
    return rows.map((row) => recordFromRow(row, now));
  }

  async decide(request: DecideApprovalRequest): Promise<DecideApprovalResult> {
    checkDecideApprovalRequest(request);
    const { rows } = await this.#pool.query<ApprovalRow>(
      `UPDATE tool_approvals SET status = $2, decided_at = $3, decided_by = $4, note = $5
       WHERE id = $1 AND ($6::text IS NULL OR tenant_id = $6) AND status = 'pending' AND expires_at > $3 RETURNING ${columns}`,
      [request.id, request.decision, request.now, request.by, request.note ?? null, request.tenantId ?? null],
    );
    if (rows[0] !== undefined) return { state: 'decided', record: recordFromRow(rows[0], request.now) };
    // Not decided now: the request is missing, decided already (a decision is final), or expired.
    const row = await this.#row(request.id, request.tenantId);
    if (row === undefined) return { state: 'not_found' };
    const record = recordFromRow(row, request.now);
    if (record.status === 'expired') return { state: 'expired', record };
    if (record.status === 'pending') throw new PalisadeError('internal_error', 'approval store: a pending request could not be decided');
    return { state: 'already_decided', record };
  }

  async markTokenIssued({ id, now, tenantId }: MarkTokenIssuedRequest): Promise<MarkTokenIssuedResult> {
    checkTime('now', now);
    const { rows } = await this.#pool.query<ApprovalRow>(
      `UPDATE tool_approvals SET token_issued_at = $2
       WHERE id = $1 AND ($3::text IS NULL OR tenant_id = $3) AND status = 'approved' AND token_issued_at IS NULL RETURNING ${columns}`,
      [id, now, tenantId ?? null],
    );
    if (rows[0] !== undefined) return { state: 'issued', record: recordFromRow(rows[0], now) };
    const row = await this.#row(id, tenantId);
    if (row === undefined) return { state: 'not_found' };
    const record = recordFromRow(row, now);
    return record.status === 'approved' ? { state: 'already_issued', record } : { state: 'not_approved', record };
  }

  async #row(id: string, tenantId: string | undefined): Promise<ApprovalRow | undefined> {
    const { rows } = await this.#pool.query<ApprovalRow>(`SELECT ${columns} FROM tool_approvals WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2)`, [id, tenantId ?? null]);
    return rows[0];
  }
}

/** The WHERE condition for a status as of `now`. */
function statusCondition(status: ApprovalStatus, now: Date, bind: (value: unknown) => string): string {
  if (status === 'pending') return `status = 'pending' AND expires_at > ${bind(now)}`;
  if (status === 'expired') return `status = 'pending' AND expires_at <= ${bind(now)}`;
  return `status = ${bind(status)}`;
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
    reasons: reasonList.parse(row.reasons),
    status: storedStatus.parse(row.status),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
  record.status = approvalStatusAt(record, now);
  if (row.session_id !== null) record.sessionId = row.session_id;
  if (row.route !== null) record.route = row.route;
  if (row.decided_at !== null) record.decidedAt = row.decided_at;
  if (row.decided_by !== null) record.decidedBy = row.decided_by;
  if (row.note !== null) record.note = row.note;
  if (row.call_id !== null) record.callId = row.call_id;
  if (row.token_issued_at !== null) record.tokenIssuedAt = row.token_issued_at;
  return record;
}
