import { z } from 'zod';
import type { AuditEvent } from './audit-event.js';

const name = z.string().min(1).max(200);

/**
 * What an `AuditEvent` must be before it is chained. Strict: a misspelt field would otherwise be
 * hashed into the log but never reach its column. The time is fixed to one format (UTC,
 * milliseconds) so that stores can compare times as they compare text.
 */
export const auditEventSchema = z
  .object({
    id: name,
    type: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be lower-case noun-verb, e.g. key-created').max(100),
    time: z.iso.datetime({ precision: 3 }),
    tenantId: name.optional(),
    actor: name.optional(),
    action: name.optional(),
    status: z.number().int().min(0).max(999).optional(),
    model: name.optional(),
    route: z.string().max(2000).optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .strict() satisfies z.ZodType<AuditEvent>;
