import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../audit/audit-event.js';
import type { Authentication } from '../../keys/authenticate.js';

/** An audit event for an administrative act: who (the key id, never the key), on which tenant, what. */
export function adminEvent(options: { type: string; auth: Authentication; tenantId: string; now: Date; data: Record<string, unknown> }): AuditEvent {
  return { id: randomUUID(), type: options.type, time: options.now.toISOString(), tenantId: options.tenantId, actor: options.auth.key.id, data: options.data };
}
