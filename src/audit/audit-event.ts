/**
 * What the audit log records. One `request` event per gateway request, plus one event per
 * administrative act (a key created or revoked, a tenant changed, retention applied). Events
 * never hold an API key, and hold content only as the policy allows (`none`, `redacted`, `full`).
 */
export interface AuditEvent {
  /** Unique: the request id for `request` events. */
  id: string;
  /** Noun-verb: `request`, `key-created`, `key-revoked`, `key-rotated`, `tenant-created`, `tenant-updated`, `retention-applied`. */
  type: string;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  tenantId?: string;
  /** The API key that acted (its id, never the key), or `cli` / `system`. */
  actor?: string;
  /** Queryable summary fields of `request` events. */
  action?: string;
  status?: number;
  model?: string;
  route?: string;
  /** Everything else, safe to store: decisions, rule ids, scores, timings, upstream status, token counts, content per policy. */
  data: Record<string, unknown>;
}

/** An event as stored: its place in its writer's hash chain. */
export interface ChainedEvent {
  /** The process (gateway replica, CLI run) that wrote it; each writer has its own chain. */
  writerId: string;
  /** 1, 2, 3… within the writer's chain, without gaps. */
  seq: number;
  /** The previous event's hash in this chain (64 hex zeros for the first). */
  prevHash: string;
  /** sha256 over `prevHash`, a newline and the event's canonical JSON (`audit-chain.ts`, docs/audit.md). */
  hash: string;
  event: AuditEvent;
}
