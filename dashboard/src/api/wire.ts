/**
 * The admin API's answers, as the console reads them (snake_case, as on the wire). Only the
 * fields the pages use are named; docs/gateway.md is the reference.
 */

export type Scope = 'inference' | 'admin' | 'operator';
export const allScopes: readonly Scope[] = ['inference', 'admin', 'operator'];

export interface WireLimits {
  requests_per_minute?: number;
  tokens_per_minute?: number;
  concurrent_requests?: number;
}

export interface WireTenant {
  id: string;
  name: string;
  limits: WireLimits | null;
  disabled: boolean;
  created_at: string | null;
}

export interface WireKey {
  id: string;
  prefix: string;
  tenant_id: string;
  name: string | null;
  scopes: Scope[];
  created_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  replaced_by: string | null;
  rotated_from: string | null;
  grace_until: string | null;
  last_used_at: string | null;
  limits: WireLimits | null;
}

/** The answer to create and rotate: the key itself, shown this once. */
export interface IssuedKey extends WireKey {
  key: string;
}

export interface Whoami {
  key: WireKey;
  tenant: WireTenant;
  operator: boolean;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p99: number | null;
}

export interface StatsPoint {
  start: string;
  requests: number;
  blocked: number;
  blocks_by_category: Record<string, number>;
  tool_denials: number;
  reports: number;
  false_block_reports: number;
  latency_ms: { input_checks: Percentiles; output_checks: Percentiles; upstream: Percentiles };
}

export interface Stats {
  tenant_id: string | null;
  from: string;
  to: string;
  bucket: string;
  bucket_seconds: number;
  events_scanned: number;
  max_events: number;
  capped: boolean;
  covered_from: string;
  queue: { pending_approvals: number; open_reports: number; capped_at: number };
  totals: { requests: number; blocked: number; errors: number; tool_calls: number; tool_denials: number; tool_approvals: number; reports: number; false_block_reports: number };
  blocks_by_category: { category: string; count: number }[];
  tool_denials_by_tool: { tool: string; reason: string; count: number }[];
  latency_ms: { input_checks: Percentiles; output_checks: Percentiles; upstream: Percentiles; request: Percentiles };
  upstreams: { provider: string; requests: number; errors: number; p50_ms: number | null; p99_ms: number | null }[];
  series: StatsPoint[];
}

export interface AuditEvent {
  id: string;
  type: string;
  time: string;
  tenantId?: string;
  actor?: string;
  action?: string;
  status?: number;
  model?: string;
  route?: string;
  data: Record<string, unknown>;
  writer_id: string;
  seq: number;
  hash: string;
}

export interface AuditPage {
  data: AuditEvent[];
  next_cursor: string | null;
}

export interface AuditVerification {
  ok: boolean;
  eventsChecked: number;
  anchorsChecked: number;
  writers: number;
  anchorHead?: { seq: number; hash: string };
  unanchored: { writerId: string; fromSeq: number; toSeq: number }[];
  firstProblem?: { kind: string; writerId?: string; seq?: number; eventId?: string; anchorSeq?: number; message: string };
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface Approval {
  id: string;
  status: ApprovalStatus;
  tenant_id: string;
  key_id: string;
  request_id: string;
  session_id: string | null;
  route: string | null;
  tool: string;
  arguments: string;
  risk: string;
  reasons: string[];
  call_id: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  note: string | null;
  token_issued_at: string | null;
}

export type ReportStatus = 'open' | 'confirmed' | 'dismissed';
export type ReportKind = 'bad_answer' | 'wrong_block' | 'other';

export interface Report {
  id: string;
  status: ReportStatus;
  kind: ReportKind;
  tenant_id: string;
  key_id: string;
  request_id: string;
  end_user_id: string | null;
  note: string | null;
  created_at: string;
  reviewed_at: string | null;
  reviewed_by: string | null;
  review_note: string | null;
  label: { expect: 'blocked' | 'allowed'; category: string | null } | null;
  /** Only on `GET /admin/v1/reports/:id`. */
  request_event?: AuditEvent | null;
}

/** What a confirmation says should have happened, as a body sends it. */
export interface ReportLabelBody {
  expect: 'blocked' | 'allowed';
  category?: string;
}

export interface ListPage<Item> {
  data: Item[];
  has_more?: boolean;
}
