/**
 * An incident bundle: one JSON-lines file that is an audit export (`export-audit-log.ts`) of the
 * incident's time range, with three more kinds of record, so that `verifyExport` (and with it
 * `palisade audit verify`) checks the whole file:
 *
 * 1. the `header`, whose `bundle` field declares the file an incident bundle;
 * 2. one `incident` record (the incident's header), right after it;
 * 3. the export's `anchor` and `event` records, as in any export;
 * 4. one `timeline` record: the incident's timeline entries, oldest first, and the policy versions
 *    in force during the incident;
 * 5. one `policy-version` record per version the timeline lists, with its text.
 *
 * The timeline is not stored anywhere: it is a function of the events (`onIncidentTimeline`,
 * `timelineEntryOf`), so the verifier recomputes it from the exported events and requires the
 * file's to be exactly that. Everything in a bundle is thus tied to the hash chains, except the
 * `incident` record's fields and the choice of policy versions not named by any event (the one
 * active when the incident opened): those are what the exporting gateway said.
 *
 * This module holds the format and the rule shared by the writer (`src/ops/incidents`) and the
 * verifier (`incident-bundle-check.ts`); it reads no store.
 */
import { z } from 'zod';
import type { AuditEvent } from './audit-event.js';
import { operationalEventTypes, summarizeAuditEvent } from './operational-events.js';

export const incidentBundleVersion = 1;

/** A timeline keeps at most this many entries, the oldest; a bundle says when it was cut. */
export const maxTimelineEntries = 10_000;

/**
 * An event tagged with the incident's id counts from this long before the incident opened: the
 * replicas' clocks differ, and the id cannot exist earlier than that.
 */
export const taggedEventLeadMs = 5 * 60_000;

/** The header's `bundle` field. */
export interface IncidentBundleDeclaration {
  kind: 'incident';
  version: typeof incidentBundleVersion;
  /** The timeline's entry limit (at most `maxTimelineEntries`). */
  timelineLimit: number;
  /** The event types the timeline takes in the incident's window: at least `operationalEventTypes`. */
  types: string[];
}

/** The incident as the bundle states it (times ISO 8601 UTC with milliseconds, like events). */
export interface BundleIncident {
  id: string;
  severity: number;
  title: string;
  status: 'open' | 'closed';
  openedAt: string;
  openedBy: string;
  closedAt?: string;
  closedBy?: string;
  resolution?: string;
}

export interface IncidentRecord {
  record: 'incident';
  incident: BundleIncident;
}

/** One act on the timeline: the event it comes from, and a line about it (`summarizeAuditEvent`). */
export interface TimelineEntry {
  eventId: string;
  time: string;
  type: string;
  actor?: string;
  tenantId?: string;
  summary: string;
}

export interface TimelineRecord {
  record: 'timeline';
  /** Oldest first (time, then event id); the first `timelineLimit` when `truncated`. */
  entries: TimelineEntry[];
  /** Events that belong on the timeline, the ones cut off included. */
  total: number;
  truncated: boolean;
  /** The policy versions in force or named during the incident, whose `policy-version` records follow. */
  policyVersions: string[];
  /** Versions named by an event but unknown to the store that exported the bundle: no text follows. */
  unknownPolicyVersions: string[];
}

export interface PolicyVersionRecord {
  record: 'policy-version';
  /** sha256 hex of the text's UTF-8 bytes. */
  hash: string;
  name: string;
  pushedAt: string;
  text: string;
}

export type IncidentBundleRecord = IncidentRecord | TimelineRecord | PolicyVersionRecord;

const time = z.iso.datetime({ precision: 3 });
const text = z.string().min(1);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const incidentBundleDeclarationSchema = z.strictObject({
  kind: z.literal('incident'),
  version: z.literal(incidentBundleVersion),
  timelineLimit: z.number().int().min(1).max(maxTimelineEntries),
  types: z.array(text).max(1_000),
});

// Strict: a field added to a bundle record is an edit, and is refused, not silently dropped.
export const incidentRecordSchema = z.strictObject({
  record: z.literal('incident'),
  incident: z.strictObject({
    id: text,
    severity: z.number().int().min(1).max(4),
    title: text,
    status: z.enum(['open', 'closed']),
    openedAt: time,
    openedBy: text,
    closedAt: time.optional(),
    closedBy: text.optional(),
    resolution: text.optional(),
  }),
});

export const timelineEntrySchema = z.strictObject({
  eventId: text,
  time,
  type: text,
  actor: text.optional(),
  tenantId: text.optional(),
  summary: text,
});

export const timelineRecordSchema = z.strictObject({
  record: z.literal('timeline'),
  entries: z.array(timelineEntrySchema),
  total: z.number().int().min(0),
  truncated: z.boolean(),
  policyVersions: z.array(hex64),
  unknownPolicyVersions: z.array(hex64),
});

export const policyVersionRecordSchema = z.strictObject({
  record: z.literal('policy-version'),
  hash: hex64,
  name: text,
  pushedAt: time,
  text: z.string(),
});

export function incidentBundleDeclaration(options: { timelineLimit?: number } = {}): IncidentBundleDeclaration {
  return { kind: 'incident', version: incidentBundleVersion, timelineLimit: options.timelineLimit ?? maxTimelineEntries, types: [...operationalEventTypes] };
}

/** What decides whether an event is on an incident's timeline. */
export interface TimelineWindow {
  incidentId: string;
  openedAt: string;
  /** Absent while the incident is open: the window then runs to `asOf`. */
  closedAt?: string;
  /** When the timeline was taken (a bundle's `exportedAt`): later events are not on it. */
  asOf: string;
  /** The event types taken in the window. */
  types: ReadonlySet<string>;
}

/**
 * On the timeline: an event of one of the window's types whose time is in [openedAt, closedAt]
 * (to `asOf` while open), and any event whose `data.incident_id` is the incident's id, from
 * `taggedEventLeadMs` before it opened; never one at or after `asOf`.
 */
export function onIncidentTimeline(event: Pick<AuditEvent, 'type' | 'time' | 'data'>, window: TimelineWindow): boolean {
  if (event.time >= window.asOf) return false;
  if (window.types.has(event.type) && event.time >= window.openedAt && (window.closedAt === undefined || event.time <= window.closedAt)) return true;
  return event.data.incident_id === window.incidentId && event.time >= taggedEventsFrom(window.openedAt);
}

/** The earliest time an event tagged with an incident opened at `openedAt` counts. */
export function taggedEventsFrom(openedAt: string): string {
  return new Date(Date.parse(openedAt) - taggedEventLeadMs).toISOString();
}

export function timelineEntryOf(event: AuditEvent): TimelineEntry {
  const entry: TimelineEntry = { eventId: event.id, time: event.time, type: event.type, summary: summarizeAuditEvent(event) };
  if (event.actor !== undefined) entry.actor = event.actor;
  if (event.tenantId !== undefined) entry.tenantId = event.tenantId;
  return entry;
}

/** Timeline order: time, then event id. */
export function compareTimelineEntries(left: TimelineEntry, right: TimelineEntry): number {
  if (left.time !== right.time) return left.time < right.time ? -1 : 1;
  return left.eventId < right.eventId ? -1 : left.eventId > right.eventId ? 1 : 0;
}

/**
 * Gathers timeline entries fed in any order and keeps the oldest `limit`, holding at most twice
 * that many at once, however many are fed.
 */
export class TimelineCollector {
  readonly #limit: number;
  #entries: TimelineEntry[] = [];
  #total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(entry: TimelineEntry): void {
    this.#total += 1;
    this.#entries.push(entry);
    if (this.#entries.length >= 2 * this.#limit) this.#trim();
  }

  get total(): number {
    return this.#total;
  }

  result(): { entries: TimelineEntry[]; total: number; truncated: boolean } {
    this.#trim();
    return { entries: [...this.#entries], total: this.#total, truncated: this.#total > this.#entries.length };
  }

  #trim(): void {
    this.#entries.sort(compareTimelineEntries);
    if (this.#entries.length > this.#limit) this.#entries.length = this.#limit;
  }
}
