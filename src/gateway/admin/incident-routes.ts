import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { closeIncident, MAX_INCIDENT_NOTE_LENGTH, noteIncident, openIncident, requireIncident } from '../../ops/incidents/incident-actions.js';
import { writeIncidentBundle } from '../../ops/incidents/incident-bundle.js';
import { incidentStatuses, MAX_INCIDENT_RESOLUTION_LENGTH, MAX_INCIDENT_TITLE_LENGTH, type Incident, type IncidentSeverity } from '../../ops/incidents/incident-store.js';
import { buildIncidentTimeline } from '../../ops/incidents/incident-timeline.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';

const openBody = z
  .object({
    severity: z.number({ error: 'must be 1 (worst) to 4' }).int().min(1, 'must be 1 (worst) to 4').max(4, 'must be 1 (worst) to 4'),
    title: z.string({ error: `required: one line, 1 to ${MAX_INCIDENT_TITLE_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_INCIDENT_TITLE_LENGTH).regex(/^[^\r\n]*$/, 'must be one line'),
  })
  .strict();
const listQuery = z
  .object({
    status: z.enum(incidentStatuses, { error: `must be one of ${incidentStatuses.join(', ')}` }).optional(),
    limit: z.coerce.number({ error: 'must be a whole number from 1 to 1000' }).int().min(1).max(1000).default(100),
    before: z.string().min(1).max(100).optional(),
  })
  .strict();
const idParams = z.object({ id: z.string().min(1).max(100) }).strict();
const noteBody = z.object({ note: z.string({ error: `required: 1 to ${MAX_INCIDENT_NOTE_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_INCIDENT_NOTE_LENGTH) }).strict();
const closeBody = z.object({ resolution: z.string({ error: `required: what happened and what was done, 1 to ${MAX_INCIDENT_RESOLUTION_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_INCIDENT_RESOLUTION_LENGTH) }).strict();

function incidentToWire(incident: Incident): Record<string, unknown> {
  return {
    id: incident.id,
    object: 'incident',
    severity: incident.severity,
    title: incident.title,
    status: incident.status,
    opened_at: incident.openedAt.toISOString(),
    opened_by: incident.openedBy,
    closed_at: incident.closedAt?.toISOString() ?? null,
    closed_by: incident.closedBy ?? null,
    resolution: incident.resolution ?? null,
  };
}

/**
 * `/admin/v1/incidents`: open, note, close and export incidents. Deployment-wide, so `operator`
 * only. The timeline is read from the audit log: every switch, revocation, roll-back and note
 * made while the incident is open (docs/operations.md). The runbook actions are the switch
 * flips of `/admin/v1/switches` with `incident_id`, so they land on the timeline by id too.
 */
export function registerIncidentRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const { incidents, versions, rollouts, record } = deps.operations;
  const operator = (request: { headers: Parameters<typeof authorize>[0]['headers'] }) => authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });

  app.post('/admin/v1/incidents', async (request, reply) => {
    const auth = await operator(request);
    const body = parseWire(openBody, request.body);
    const incident = await openIncident({ incidents, record }, { severity: body.severity as IncidentSeverity, title: body.title, by: auth.key.id, now: now() });
    return reply.code(201).send(incidentToWire(incident));
  });

  app.get('/admin/v1/incidents', async (request) => {
    await operator(request);
    const query = parseWire(listQuery, request.query);
    const list = await incidents.list({ limit: query.limit, ...(query.status === undefined ? {} : { status: query.status }), ...(query.before === undefined ? {} : { before: query.before }) });
    return { object: 'list', data: list.map(incidentToWire), next_before: list.length === query.limit ? (list.at(-1)?.id ?? null) : null };
  });

  app.get('/admin/v1/incidents/:id', async (request) => {
    await operator(request);
    const { id } = parseWire(idParams, request.params);
    const incident = await requireIncident(incidents, id);
    const timeline = await buildIncidentTimeline({ audit: deps.audit.store, incident, now: now() });
    return {
      ...incidentToWire(incident),
      timeline: {
        entries: timeline.entries.map((entry) => ({ ...entry })),
        total: timeline.total,
        cut: timeline.cut ?? null,
      },
    };
  });

  app.post('/admin/v1/incidents/:id/notes', async (request, reply) => {
    const auth = await operator(request);
    const { id } = parseWire(idParams, request.params);
    const body = parseWire(noteBody, request.body);
    const incident = await noteIncident({ incidents, record }, { id, note: body.note, by: auth.key.id, now: now() });
    return reply.code(201).send(incidentToWire(incident));
  });

  app.post('/admin/v1/incidents/:id/close', async (request) => {
    const auth = await operator(request);
    const { id } = parseWire(idParams, request.params);
    const body = parseWire(closeBody, request.body);
    return incidentToWire(await closeIncident({ incidents, record }, { id, resolution: body.resolution, by: auth.key.id, now: now() }));
  });

  /** The forensic bundle: JSON lines that `palisade audit verify --file` checks. */
  app.get('/admin/v1/incidents/:id/export', async (request, reply) => {
    await operator(request);
    const { id } = parseWire(idParams, request.params);
    const incident = await requireIncident(incidents, id);
    // Streamed: an incident's audit slice can be large.
    return reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="palisade-incident-${incident.id}.jsonl"`)
      .send(Readable.from(writeIncidentBundle({ audit: deps.audit.store, policyVersions: versions, rollouts, incident, now })));
  });
}
