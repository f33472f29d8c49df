import { checkCloseIncidentRequest, checkIncidentId, checkListIncidentsOptions, checkOpenIncidentRequest } from './check-incident-arguments.js';
import { closedIncident, newestIncidentFirst, openedIncident, type Incident, type IncidentStore } from './incident-store.js';

/**
 * Incidents in this process only: for tests and a single process without a database. Everything
 * is copied in and out; no method awaits between its read and its write, so `open` and `close`
 * are atomic within the process.
 */
export function createMemoryIncidentStore(): IncidentStore {
  const incidents = new Map<string, Incident>();

  return {
    async open(request) {
      checkOpenIncidentRequest(request);
      const stored = incidents.get(request.id);
      if (stored !== undefined) return { state: 'exists', incident: structuredClone(stored) };
      const incident = openedIncident(request);
      incidents.set(incident.id, incident);
      return { state: 'opened', incident: structuredClone(incident) };
    },

    async get(id) {
      checkIncidentId(id);
      const stored = incidents.get(id);
      return stored === undefined ? undefined : structuredClone(stored);
    },

    async list(options) {
      checkListIncidentsOptions(options);
      const sorted = [...incidents.values()].sort(newestIncidentFirst);
      let start = 0;
      if (options.before !== undefined) {
        const cursor = incidents.get(options.before);
        if (cursor === undefined) return [];
        start = sorted.findIndex((incident) => newestIncidentFirst(cursor, incident) < 0);
        if (start === -1) return [];
      }
      return sorted
        .slice(start)
        .filter((incident) => options.status === undefined || incident.status === options.status)
        .slice(0, options.limit)
        .map((incident) => structuredClone(incident));
    },

    async close(request) {
      checkCloseIncidentRequest(request);
      const stored = incidents.get(request.id);
      if (stored === undefined) return { state: 'not_found' };
      if (stored.status === 'closed') return { state: 'already_closed', incident: structuredClone(stored) };
      const incident = closedIncident(stored, request);
      incidents.set(incident.id, incident);
      return { state: 'closed', incident: structuredClone(incident) };
    },
  };
}
