/**
 * Incidents: an operator declares one (`palisade incident open --severity 1 --title …`) while
 * something is going wrong, and closes it with a resolution when it is over. The types, and the
 * store interface every backend (memory, SQLite, PostgreSQL) implements, checked by one contract
 * suite (`incident-store-contract.ts`).
 *
 * The store holds the incident's header only. What happened during it is already in the audit
 * log: every switch flipped, key revoked, rollout rolled back and note made is an audit event, and
 * the incident's timeline is read from there (`incident-timeline.ts`); its forensic bundle is an
 * audit export with the timeline and the policy versions in force (`incident-bundle.ts`). Whoever
 * opens, notes or closes an incident writes the matching audit event (`incident-opened`,
 * `incident-noted`, `incident-closed`, with `data.incident_id`); this store does not.
 *
 * Severity runs from 1 (the worst: everyone is affected, act now) to 4 (minor).
 */
import { randomBytes } from 'node:crypto';

export type IncidentSeverity = 1 | 2 | 3 | 4;
export const incidentSeverities: readonly IncidentSeverity[] = [1, 2, 3, 4];

export type IncidentStatus = 'open' | 'closed';
export const incidentStatuses: readonly IncidentStatus[] = ['open', 'closed'];

export interface Incident {
  /** `newIncidentId()`: `inc_` and random characters, safe in a URL path. */
  id: string;
  severity: IncidentSeverity;
  /** One line, 1 to 200 characters. */
  title: string;
  status: IncidentStatus;
  openedAt: Date;
  /** Who opened it: an admin key id, or `cli`. */
  openedBy: string;
  /** Set when, and only when, it is closed. */
  closedAt?: Date;
  closedBy?: string;
  /** The closing summary: what happened, what was done. */
  resolution?: string;
}

export interface OpenIncidentRequest {
  /** `newIncidentId()`. */
  id: string;
  severity: IncidentSeverity;
  title: string;
  by: string;
  now: Date;
}

export type OpenIncidentResult =
  | { state: 'opened'; incident: Incident }
  /** An incident with this id exists (a retried open): nothing changed; `incident` is the stored one. */
  | { state: 'exists'; incident: Incident };

export interface CloseIncidentRequest {
  id: string;
  by: string;
  resolution: string;
  /**
   * The closing time. One before the incident's opening (another replica's clock) is taken as
   * the opening time, so that the incident's window is never empty or reversed.
   */
  now: Date;
}

export type CloseIncidentResult =
  | { state: 'closed'; incident: Incident }
  | { state: 'not_found' }
  /** Closed already: nothing changed; `incident` is as it was closed. */
  | { state: 'already_closed'; incident: Incident };

export interface ListIncidentsOptions {
  status?: IncidentStatus;
  /** At most this many, 1 to 1,000. */
  limit: number;
  /**
   * A page cursor: the id of the last incident of the previous page; only incidents after it in
   * the order are listed (none if no incident has that id).
   */
  before?: string;
}

export interface IncidentStore {
  /** Atomic: of two opens with one id, one opens and the other finds it. Throws `invalid_argument` for a malformed request. */
  open(request: OpenIncidentRequest): Promise<OpenIncidentResult>;
  get(id: string): Promise<Incident | undefined>;
  /** Newest first: by `openedAt`, then id, descending. */
  list(options: ListIncidentsOptions): Promise<Incident[]>;
  /** Atomic: of two closes at once, one closes and the other gets `already_closed`. */
  close(request: CloseIncidentRequest): Promise<CloseIncidentResult>;
}

export const MAX_INCIDENT_TITLE_LENGTH = 200;
export const MAX_INCIDENT_RESOLUTION_LENGTH = 4_000;
export const MAX_INCIDENT_LIST_LIMIT = 1_000;

/** A fresh incident id: `inc_` and 96 random bits, safe in a URL path. */
export function newIncidentId(): string {
  return `inc_${randomBytes(12).toString('base64url')}`;
}

/** The incident a successful open stores. */
export function openedIncident(request: OpenIncidentRequest): Incident {
  return { id: request.id, severity: request.severity, title: request.title, status: 'open', openedAt: new Date(request.now.getTime()), openedBy: request.by };
}

/** The incident a successful close makes of an open one. */
export function closedIncident(open: Incident, request: CloseIncidentRequest): Incident {
  const closedAt = new Date(Math.max(request.now.getTime(), open.openedAt.getTime()));
  return { ...open, status: 'closed', closedAt, closedBy: request.by, resolution: request.resolution };
}

/** Sort order of `list`: newer first, then the greater id first. */
export function newestIncidentFirst(a: Incident, b: Incident): number {
  const byTime = b.openedAt.getTime() - a.openedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
