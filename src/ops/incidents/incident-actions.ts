/**
 * An incident's acts, as the admin API, the CLI and the automatic roll-back make them: each is
 * stored and written to the audit log (`incident-opened`, `incident-noted`, `incident-closed`),
 * where the incident's timeline reads it back with every switch, revocation and roll-back made
 * while it was open (`incident-timeline.ts`).
 *
 * A note is only an audit event: the log is the incident's record, hash-chained, so a note
 * cannot be quietly edited afterwards.
 */
import { PalisadeError } from '../../core/errors.js';
import type { RecordOperatorEvent } from '../operator-event.js';
import { newIncidentId, type Incident, type IncidentSeverity, type IncidentStore } from './incident-store.js';

export interface IncidentActionStores {
  incidents: IncidentStore;
  record: RecordOperatorEvent;
}

export const MAX_INCIDENT_NOTE_LENGTH = 4_000;

export async function openIncident(stores: IncidentActionStores, request: { severity: IncidentSeverity; title: string; by: string; now: Date }): Promise<Incident> {
  const opened = await stores.incidents.open({ id: newIncidentId(), severity: request.severity, title: request.title, by: request.by, now: request.now });
  await stores.record({ type: 'incident-opened', actor: request.by, time: request.now.toISOString(), data: { incident_id: opened.incident.id, severity: opened.incident.severity, title: opened.incident.title } });
  return opened.incident;
}

/**
 * An act that names an incident must name one that exists, or it would land on no timeline.
 * Checked before the act, when the caller passes the incident store.
 */
export async function checkIncidentNamed(incidents: IncidentStore | undefined, incidentId: string | undefined): Promise<void> {
  if (incidents !== undefined && incidentId !== undefined) await requireIncident(incidents, incidentId);
}

/** The incident, or `not_found`. */
export async function requireIncident(incidents: IncidentStore, id: string): Promise<Incident> {
  const incident = await incidents.get(id);
  if (incident === undefined) throw new PalisadeError('not_found', `no incident ${id.slice(0, 60)}`);
  return incident;
}

export async function noteIncident(stores: IncidentActionStores, request: { id: string; note: string; by: string; now: Date }): Promise<Incident> {
  if (typeof request.note !== 'string' || request.note.trim() === '' || request.note.length > MAX_INCIDENT_NOTE_LENGTH) {
    throw new PalisadeError('invalid_argument', `a note must be text of 1 to ${MAX_INCIDENT_NOTE_LENGTH} characters`, { details: [{ path: 'note', message: 'required' }] });
  }
  const incident = await requireIncident(stores.incidents, request.id);
  await stores.record({ type: 'incident-noted', actor: request.by, time: request.now.toISOString(), data: { incident_id: incident.id, note: request.note } });
  return incident;
}

export async function closeIncident(stores: IncidentActionStores, request: { id: string; resolution: string; by: string; now: Date }): Promise<Incident> {
  const closed = await stores.incidents.close({ id: request.id, resolution: request.resolution, by: request.by, now: request.now });
  if (closed.state === 'not_found') throw new PalisadeError('not_found', `no incident ${request.id.slice(0, 60)}`);
  if (closed.state === 'already_closed') throw new PalisadeError('invalid_request', `incident ${request.id} was closed already, at ${closed.incident.closedAt?.toISOString() ?? '?'}`);
  await stores.record({ type: 'incident-closed', actor: request.by, time: (closed.incident.closedAt ?? request.now).toISOString(), data: { incident_id: closed.incident.id, resolution: request.resolution } });
  return closed.incident;
}
