import type { ChainedEvent } from '../audit/audit-event.js';
import type { AuditStore } from '../audit/audit-store.js';
import { queryAuditLog } from '../audit/query-audit-log.js';

/** Audit event ids the query accepts; a longer id cannot name a request. */
const maxRequestIdLength = 200;

/**
 * The audit event of one of a tenant's completion requests (type `request`), as the log holds
 * it; `undefined` when there is none: an unknown id, another tenant's request, an event that is
 * not a completion request, or one retention has since deleted. The caller cannot tell these
 * apart, so a tenant learns nothing about another tenant's requests.
 */
export async function findReportedRequest(store: AuditStore, options: { tenantId: string; requestId: string }): Promise<ChainedEvent | undefined> {
  if (options.requestId.length === 0 || options.requestId.length > maxRequestIdLength) return undefined;
  const page = await queryAuditLog(store, { scope: { kind: 'tenant', tenantId: options.tenantId }, query: { id: options.requestId, type: 'request', limit: 1 } });
  return page.events[0];
}
