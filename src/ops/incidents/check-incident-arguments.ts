/**
 * Argument checks shared by every incident store backend, so that all of them refuse the same
 * calls with the same errors before touching their storage. Messages never quote the values.
 */
import { PalisadeError } from '../../core/errors.js';
import {
  incidentSeverities,
  incidentStatuses,
  MAX_INCIDENT_LIST_LIMIT,
  MAX_INCIDENT_RESOLUTION_LENGTH,
  MAX_INCIDENT_TITLE_LENGTH,
  type CloseIncidentRequest,
  type ListIncidentsOptions,
  type OpenIncidentRequest,
} from './incident-store.js';

const MAX_ID_LENGTH = 256;
const MAX_NEW_ID_LENGTH = 64;
/** Ids are made URL-safe at birth, so that routes and file names can carry them as they are. */
const urlSafe = /^[A-Za-z0-9_-]+$/;
// C0 and C1 controls, and the Unicode line and paragraph separators: a title is one line.
// eslint-disable-next-line no-control-regex
const notOneLine = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function checkOpenIncidentRequest(request: OpenIncidentRequest): void {
  if (typeof request.id !== 'string' || request.id.length > MAX_NEW_ID_LENGTH || !urlSafe.test(request.id)) refuse('id', `must be 1 to ${MAX_NEW_ID_LENGTH} letters, digits, - or _`);
  if (!incidentSeverities.includes(request.severity)) refuse('severity', 'must be 1, 2, 3 or 4 (1 is the worst)');
  checkText('title', request.title, MAX_INCIDENT_TITLE_LENGTH);
  if (notOneLine.test(request.title)) refuse('title', 'must be one line, without control characters');
  checkText('by', request.by, MAX_ID_LENGTH);
  checkTime('now', request.now);
}

export function checkCloseIncidentRequest(request: CloseIncidentRequest): void {
  checkIncidentId(request.id);
  checkText('by', request.by, MAX_ID_LENGTH);
  checkText('resolution', request.resolution, MAX_INCIDENT_RESOLUTION_LENGTH);
  checkTime('now', request.now);
}

export function checkListIncidentsOptions(options: ListIncidentsOptions): void {
  if (!(typeof options.limit === 'number' && Number.isSafeInteger(options.limit) && options.limit >= 1 && options.limit <= MAX_INCIDENT_LIST_LIMIT)) {
    refuse('limit', `must be a whole number from 1 to ${MAX_INCIDENT_LIST_LIMIT}`);
  }
  if (options.status !== undefined && !incidentStatuses.includes(options.status)) refuse('status', `must be one of ${incidentStatuses.join(', ')}`);
  if (options.before !== undefined) checkText('before', options.before, MAX_ID_LENGTH);
}

export function checkIncidentId(id: unknown): void {
  checkText('id', id, MAX_ID_LENGTH);
}

function checkText(path: string, value: unknown, maxLength: number): void {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > maxLength) refuse(path, `must be non-blank text of at most ${maxLength} characters`);
  // PostgreSQL text cannot hold a NUL: refused alike by every backend.
  if (value.includes('\u0000')) refuse(path, 'must not contain NUL characters');
}

function checkTime(path: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) refuse(path, 'must be a valid Date');
}

function refuse(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `incident store: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
