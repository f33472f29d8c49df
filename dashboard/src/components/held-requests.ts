import type { AuditEvent, AuditPage } from '../api/wire.js';

/** The actions of `request` events that held the request for a person instead of delivering it. */
export const heldActions = ['escalate', 'require_approval'] as const;
export type HeldAction = (typeof heldActions)[number];

/** How far one action's events have been read: those read but not shown yet, and the API's cursor for the rest (`null`: none left). */
interface ActionReading {
  waiting: AuditEvent[];
  cursor: string | null | undefined;
}

/** Where the next page of held requests starts. */
export type HeldCursor = Readonly<Record<HeldAction, ActionReading>>;

export interface HeldPage {
  /** Newest first. */
  events: AuditEvent[];
  /** `undefined` when nothing older is left. */
  next: HeldCursor | undefined;
}

/** Reads one page of one action's request events, newest first (`GET /admin/v1/audit/events?type=request&action=…`). */
export type ReadHeld = (query: { action: HeldAction; cursor: string | undefined; limit: number }) => Promise<AuditPage>;

/**
 * The next `count` held requests across both actions, newest first. The audit API filters by one
 * action at a time, so each action is read with its own keyset cursor and the two are merged;
 * what was read beyond this page waits for the next one, so no request is skipped or repeated.
 */
export async function readHeldPage(options: { read: ReadHeld; count: number; after?: HeldCursor }): Promise<HeldPage> {
  const advance = async (action: HeldAction): Promise<ActionReading> => {
    const reading = options.after?.[action] ?? { waiting: [], cursor: undefined };
    const missing = options.count - reading.waiting.length;
    if (missing <= 0 || reading.cursor === null) return reading;
    const page = await options.read({ action, cursor: reading.cursor, limit: missing });
    // An empty page ends the reading even if it came with a cursor, so a reading always moves on.
    return { waiting: [...reading.waiting, ...page.data], cursor: page.data.length === 0 ? null : page.next_cursor };
  };
  const [escalate, requireApproval] = await Promise.all([advance('escalate'), advance('require_approval')]);
  const readings: Record<HeldAction, ActionReading> = { escalate, require_approval: requireApproval };
  const events = heldActions
    .flatMap((action) => readings[action].waiting)
    .sort((left, right) => right.time.localeCompare(left.time))
    .slice(0, options.count);
  const shown = new Set(events);
  for (const action of heldActions) readings[action] = { ...readings[action], waiting: readings[action].waiting.filter((event) => !shown.has(event)) };
  const more = heldActions.some((action) => readings[action].waiting.length > 0 || readings[action].cursor !== null);
  return { events, next: more ? readings : undefined };
}
