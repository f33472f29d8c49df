/**
 * Approval requests: the review queue for tool calls that need a human's approval. The interface
 * every backend (memory, SQLite, PostgreSQL) implements, checked by one contract suite
 * (`approval-store-contract.ts`).
 *
 * Lifecycle of a request:
 *
 *     create ──► pending ──decide(approved)──► approved ──markTokenIssued──► approved, token issued (once)
 *                   │    ──decide(denied)────► denied
 *                   └──── now ≥ expiresAt ───► expired
 *
 * - A request is created `pending`, with the deadline `expiresAt` for a decision.
 * - Expiry is a matter of time, not a write: a request stored as pending reads as `expired` from
 *   the instant `now >= expiresAt` on, in `get`, `list` and `decide` alike (every one of them takes
 *   `now`, so all backends and replicas agree on the instant). Nothing sweeps or rewrites it, and
 *   an expired request can never be decided.
 * - `decide` is atomic: only a pending, unexpired request is decided; of two deciders at once,
 *   exactly one wins and the other is told `already_decided`. A decision is final.
 * - `markTokenIssued` is the approved call's one-time hand-over: it succeeds once per approved
 *   request, atomically, so the tool token for an approval is issued at most once (two clients
 *   fetching it at once get one token between them). Any time window for fetching the token is
 *   the caller's to check before calling (time only moves forward, so checking first is sound).
 *
 * Tenant scoping: every read and write takes an optional `tenantId`; when given, another tenant's
 * request is treated exactly like one that does not exist (`undefined` / `not_found`), so a
 * tenant's admin can neither see nor decide another tenant's requests.
 *
 * The stored `arguments` are the tool call's JSON text as the output stage left it (redacted
 * where the policy redacts); `argsHash` is `hashToolArguments` of the arguments the approved call
 * will be made with, the hash a tool token binds.
 */
import { randomBytes } from 'node:crypto';

export type ToolRisk = 'read' | 'write' | 'irreversible';
export const toolRisks: readonly ToolRisk[] = ['read', 'write', 'irreversible'];

/** `expired` is never stored: it is how a pending request past its deadline reads. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';
export const approvalStatuses: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];

export type ApprovalDecision = 'approved' | 'denied';

export interface ApprovalRequest {
  id: string;
  tenantId: string;
  /** The API key that made the completion. */
  keyId: string;
  /** The audit event id of the completion that proposed the call. */
  requestId: string;
  sessionId?: string;
  route?: string;
  tool: string;
  /** The call's arguments, JSON text, as the output stage left it. */
  arguments: string;
  /** sha256 hex of the canonical arguments (`hashToolArguments`). */
  argsHash: string;
  risk: ToolRisk;
  /** Why approval is needed, plain names: e.g. `always`, `irreversible`, `tainted`. */
  reasons: string[];
  status: ApprovalStatus;
  createdAt: Date;
  /** The deadline for a decision. */
  expiresAt: Date;
  decidedAt?: Date;
  /** The key id of whoever decided. */
  decidedBy?: string;
  note?: string;
  /** The tool call's id in the model's answer, when it had one. */
  callId?: string;
  /** When the approved call's tool token was handed out (`markTokenIssued`). */
  tokenIssuedAt?: Date;
}

/** What `create` takes: a request as proposed, before any decision. It is stored as pending. */
export type NewApprovalRequest = Omit<ApprovalRequest, 'status' | 'decidedAt' | 'decidedBy' | 'note' | 'tokenIssuedAt'>;

export interface GetApprovalOptions {
  now: Date;
  tenantId?: string;
}

export interface ListApprovalsOptions {
  now: Date;
  /** Only this tenant's requests; absent: every tenant's (for operators). */
  tenantId?: string;
  /** Only requests with this status as of `now` (`pending` excludes the expired ones). */
  status?: ApprovalStatus;
  /** At most this many, 1 to 1,000. */
  limit: number;
  /**
   * A page cursor: the id of the last request of the previous page; the list continues with
   * older ones. A cursor that does not exist (or belongs to another tenant) gives an empty list.
   */
  before?: string;
}

export interface DecideApprovalRequest {
  id: string;
  decision: ApprovalDecision;
  /** The key id of whoever decides. */
  by: string;
  note?: string;
  now: Date;
  /** When given, a request of another tenant is `not_found`. */
  tenantId?: string;
}

export type DecideApprovalResult =
  | { state: 'decided'; record: ApprovalRequest }
  | { state: 'not_found' }
  /** Already approved or denied (possibly by a decider running at the same time): nothing changed. */
  | { state: 'already_decided'; record: ApprovalRequest }
  /** Still pending but past its deadline: nothing changed, `record.status` is `expired`. */
  | { state: 'expired'; record: ApprovalRequest };

export interface MarkTokenIssuedRequest {
  id: string;
  now: Date;
  tenantId?: string;
}

export type MarkTokenIssuedResult =
  /** The first time: issue the token now. */
  | { state: 'issued'; record: ApprovalRequest }
  | { state: 'not_found' }
  /** Pending, denied or expired: no token. */
  | { state: 'not_approved'; record: ApprovalRequest }
  /** The token was handed out before: do not issue another. */
  | { state: 'already_issued'; record: ApprovalRequest };

export interface ApprovalStore {
  /** Stores a new pending request; `exists` when the id is taken (the stored one is left as it is). */
  create(request: NewApprovalRequest): Promise<'created' | 'exists'>;
  get(id: string, options: GetApprovalOptions): Promise<ApprovalRequest | undefined>;
  /** Newest first (by `createdAt`, then id, descending). */
  list(options: ListApprovalsOptions): Promise<ApprovalRequest[]>;
  decide(request: DecideApprovalRequest): Promise<DecideApprovalResult>;
  markTokenIssued(request: MarkTokenIssuedRequest): Promise<MarkTokenIssuedResult>;
}

/** The status a stored request has at `now`: a pending request past its deadline is `expired`. */
export function approvalStatusAt(stored: { status: ApprovalStatus; expiresAt: Date }, now: Date): ApprovalStatus {
  return stored.status === 'pending' && now.getTime() >= stored.expiresAt.getTime() ? 'expired' : stored.status;
}

/** A fresh approval id: `apr_` and 128 random bits, safe in a URL path. */
export function newApprovalId(): string {
  return `apr_${randomBytes(16).toString('base64url')}`;
}
