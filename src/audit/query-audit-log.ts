import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { toChainedEvent } from './audit-chain.js';
import type { ChainedEvent } from './audit-event.js';
import type { AuditStore, EventFilter, EventPosition } from './audit-store.js';

export const maxQueryLimit = 1000;
export const defaultQueryLimit = 100;

const time = z.iso.datetime({ precision: 3 });
const text = z.string().min(1).max(200);

/** The filters the admin API and the CLI accept (camelCase; the routes map their wire names). */
export const auditQuerySchema = z
  .object({
    tenantId: text.optional(),
    /** Inclusive. */
    from: time.optional(),
    /** Exclusive. */
    to: time.optional(),
    type: text.optional(),
    action: text.optional(),
    status: z.coerce.number().int().min(0).max(999).optional(),
    model: text.optional(),
    id: text.optional(),
    /** The key id (or `cli`, `system`) that acted. */
    actor: text.optional(),
    /** Request events with a finding of this category. */
    category: z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, 'must be 1 to 100 letters, digits or _.:/-').optional(),
    /** The request's own event and the events that name it (approval decisions, reports). */
    requestId: text.optional(),
    cursor: z.string().max(1000).optional(),
    limit: z.coerce.number().int().min(1).max(maxQueryLimit).default(defaultQueryLimit),
  })
  .strict();

export type AuditQuery = z.input<typeof auditQuerySchema>;

/** Who asks: a tenant's key sees only its tenant; an operator sees all, or one tenant by filter. */
export type AuditScope = { kind: 'tenant'; tenantId: string } | { kind: 'operator' };

export interface AuditQueryPage {
  /** Newest first. */
  events: ChainedEvent[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

const cursorSchema = z.tuple([time, z.string().min(1), z.number().int().min(1)]);

/**
 * Events matching the filters, newest first (time, then writer and seq as tie-breaks), with
 * keyset pagination: a page never repeats or skips an event even while new ones arrive.
 */
export async function queryAuditLog(store: AuditStore, request: { scope: AuditScope; query: AuditQuery }): Promise<AuditQueryPage> {
  const parsed = auditQuerySchema.safeParse(request.query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PalisadeError('invalid_argument', `invalid audit query${issue === undefined ? '' : `: ${issue.path.join('.')} ${issue.message}`}`);
  }
  const { cursor, limit, ...filters } = parsed.data;
  const { scope } = request;
  if (scope.kind === 'tenant' && filters.tenantId !== undefined && filters.tenantId !== scope.tenantId) {
    throw new PalisadeError('forbidden', 'this key can read only its own tenant’s audit events');
  }
  const filter: EventFilter = { ...filters, ...(scope.kind === 'tenant' ? { tenantId: scope.tenantId } : {}) };
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await store.queryEvents({ filter, ...(after === undefined ? {} : { after }), limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map(toChainedEvent),
    ...(rows.length > limit && last !== undefined ? { nextCursor: encodeCursor({ time: last.columns.time, writerId: last.writerId, seq: last.seq }) } : {}),
  };
}

function encodeCursor(position: EventPosition): string {
  return Buffer.from(JSON.stringify([position.time, position.writerId, position.seq])).toString('base64url');
}

function decodeCursor(cursor: string): EventPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = cursorSchema.safeParse(value);
  if (!parsed.success) throw new PalisadeError('invalid_argument', 'invalid audit query: cursor is not one this API returned');
  const [positionTime, writerId, seq] = parsed.data;
  return { time: positionTime, writerId, seq };
}
