/**
 * An incident's timeline, read from the audit log: nothing is recorded for it separately. It is
 * every operational event (`operationalEventTypes`: switches flipped, policies pushed and
 * activated, rollouts, abuse states, keys revoked, approvals, incident notes…) of any tenant
 * whose time is in the incident's window, [openedAt, closedAt] (to now while it is open), plus
 * every event, of any type and time after the incident opened, whose `data.incident_id` is the
 * incident's id (a note added after closing, a switch flipped back later). The rule itself is
 * `onIncidentTimeline` (`src/audit/incident-bundle-format.ts`), shared with the bundle's verifier.
 *
 * The audit store has no filter on event data, so this reads every event from the opening on,
 * page by page, newest first, and keeps those that belong. It keeps at most `limit` entries
 * (default and ceiling 10,000), the oldest, and says when it cut the rest off; it reads at most
 * `scanLimit` events and says when it stopped there. Operator scope: all tenants are read, so
 * only operators may see the result.
 */
import type { AuditEvent } from '../../audit/audit-event.js';
import type { AuditStore, EventPosition, StoredEvent } from '../../audit/audit-store.js';
import { toChainedEvent } from '../../audit/audit-chain.js';
import {
  maxTimelineEntries,
  onIncidentTimeline,
  taggedEventsFrom,
  TimelineCollector,
  timelineEntryOf,
  type TimelineEntry,
  type TimelineWindow,
} from '../../audit/incident-bundle-format.js';
import { operationalEventTypes } from '../../audit/operational-events.js';
import { PalisadeError } from '../../core/errors.js';
import type { Incident } from './incident-store.js';

export { operationalEventTypes, type OperationalEventType } from '../../audit/operational-events.js';
export type { TimelineEntry } from '../../audit/incident-bundle-format.js';

export interface IncidentTimeline {
  /** Oldest first (time, then event id). */
  entries: TimelineEntry[];
  /** Events found that belong on the timeline, those cut off included. */
  total: number;
  /**
   * Why the timeline may be incomplete: `limit` (more than `limit` events belong; the oldest are
   * kept), `scan-limit` (the events from the opening on were more than `scanLimit`; the newest
   * were read). Absent: complete.
   */
  cut?: 'limit' | 'scan-limit';
  /** The time range read: [from, to). */
  from: Date;
  to: Date;
}

export interface BuildIncidentTimelineOptions {
  audit: AuditStore;
  incident: Pick<Incident, 'id' | 'openedAt' | 'closedAt'>;
  /** The timeline as of this instant (events at or after it are left out). */
  now: Date;
  /** At most this many entries, 1 to 10,000 (default 10,000). */
  limit?: number;
  /** At most this many events read (default 1,000,000). */
  scanLimit?: number;
}

const pageSize = 500;
const defaultScanLimit = 1_000_000;

export async function buildIncidentTimeline(options: BuildIncidentTimelineOptions): Promise<IncidentTimeline> {
  const { audit, incident, now } = options;
  const limit = options.limit ?? maxTimelineEntries;
  const scanLimit = options.scanLimit ?? defaultScanLimit;
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= maxTimelineEntries)) throw invalid('limit', `must be a whole number from 1 to ${maxTimelineEntries}`);
  if (!(Number.isSafeInteger(scanLimit) && scanLimit >= 1)) throw invalid('scanLimit', 'must be a whole number, 1 or more');
  if (Number.isNaN(now.getTime())) throw invalid('now', 'must be a valid Date');
  const window = timelineWindow(incident, now);
  const from = taggedEventsFrom(window.openedAt);
  const to = window.asOf;
  const collector = new TimelineCollector(limit);
  // Canonical JSON writes the id exactly so: a cheap test before parsing a row.
  const tag = `"incident_id":${JSON.stringify(incident.id)}`;
  let scanned = 0;
  let after: EventPosition | undefined;
  let cut: IncidentTimeline['cut'];
  while (from < to) {
    if (scanned >= scanLimit) {
      // Only a further event, if there is one, makes the scan incomplete.
      if ((await audit.queryEvents({ filter: { from, to }, ...(after === undefined ? {} : { after }), limit: 1 })).length > 0) cut = 'scan-limit';
      break;
    }
    const requested = Math.min(pageSize, scanLimit - scanned);
    const page = await audit.queryEvents({ filter: { from, to }, ...(after === undefined ? {} : { after }), limit: requested });
    for (const row of page) {
      const event = candidate(row, window, tag);
      if (event !== undefined && onIncidentTimeline(event, window)) collector.add(timelineEntryOf(event));
    }
    scanned += page.length;
    const last = page.at(-1);
    if (last === undefined || page.length < requested) break;
    after = { time: last.columns.time, writerId: last.writerId, seq: last.seq };
  }
  const result = collector.result();
  if (cut === undefined && result.truncated) cut = 'limit';
  return { entries: result.entries, total: result.total, ...(cut === undefined ? {} : { cut }), from: new Date(from), to: new Date(to) };
}

/** The window of `onIncidentTimeline` for an incident, as of `now`. */
export function timelineWindow(incident: Pick<Incident, 'id' | 'openedAt' | 'closedAt'>, now: Date): TimelineWindow {
  return {
    incidentId: incident.id,
    openedAt: incident.openedAt.toISOString(),
    ...(incident.closedAt === undefined ? {} : { closedAt: incident.closedAt.toISOString() }),
    asOf: now.toISOString(),
    types: new Set(operationalEventTypes),
  };
}

/** The row's event if it might belong (its type is taken, or it mentions the incident id); parsed only then. */
function candidate(row: StoredEvent, window: TimelineWindow, tag: string): AuditEvent | undefined {
  if (!window.types.has(row.columns.type) && !row.json.includes(tag)) return undefined;
  try {
    return toChainedEvent(row).event;
  } catch {
    // An unreadable row is verification's to report; a timeline shows what can be read.
    return undefined;
  }
}

function invalid(path: string, problem: string): PalisadeError {
  return new PalisadeError('invalid_argument', `incident timeline: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
