/**
 * Argument checks shared by every report store backend, so that all of them refuse the same
 * calls with the same errors before touching their storage. Messages never quote the notes.
 */
import { PalisadeError } from '../core/errors.js';
import { expectedOutcomes, reportKinds, reportStatuses, type ListReportsOptions, type NewUserReport, type ReportLabel, type ReviewReportRequest } from './report-store.js';

const MAX_ID_LENGTH = 256;
const MAX_LIST_LIMIT = 1_000;
/** The API's limit for a user's note, and for a reviewer's. */
export const maxReportNoteLength = 2_000;
/** A category is an identifier, such as `prompt_injection` or `harmful.violence`. */
export const reportCategoryPattern = /^[A-Za-z0-9_.:/-]{1,100}$/;

export function checkNewUserReport(report: NewUserReport): void {
  for (const field of ['id', 'tenantId', 'keyId', 'requestId'] as const) checkText(field, report[field], MAX_ID_LENGTH);
  if (!(reportKinds as readonly string[]).includes(report.kind)) refuse('kind', `must be one of ${reportKinds.join(', ')}`);
  if (report.note !== undefined) checkNote('note', report.note);
  if (report.endUserId !== undefined) checkText('endUserId', report.endUserId, MAX_ID_LENGTH);
  checkTime('createdAt', report.createdAt);
}

export function checkListReportsOptions(options: ListReportsOptions): void {
  if (!(Number.isSafeInteger(options.limit) && options.limit >= 1 && options.limit <= MAX_LIST_LIMIT)) refuse('limit', `must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  if (options.status !== undefined && !(reportStatuses as readonly string[]).includes(options.status)) refuse('status', `must be one of ${reportStatuses.join(', ')}`);
  if (options.kind !== undefined && !(reportKinds as readonly string[]).includes(options.kind)) refuse('kind', `must be one of ${reportKinds.join(', ')}`);
  if (options.tenantId !== undefined) checkText('tenantId', options.tenantId, MAX_ID_LENGTH);
  if (options.before !== undefined) checkText('before', options.before, MAX_ID_LENGTH);
}

export function checkReviewReportRequest(request: ReviewReportRequest): void {
  checkText('id', request.id, MAX_ID_LENGTH);
  if (request.status !== 'confirmed' && request.status !== 'dismissed') refuse('status', 'must be confirmed or dismissed');
  if (request.label !== undefined) {
    if (request.status !== 'confirmed') refuse('label', 'is given only when confirming');
    checkLabel(request.label);
  }
  checkText('by', request.by, MAX_ID_LENGTH);
  if (request.note !== undefined) checkNote('note', request.note);
  checkTime('now', request.now);
  if (request.tenantId !== undefined) checkText('tenantId', request.tenantId, MAX_ID_LENGTH);
}

export function checkTenantOption(tenantId: unknown): void {
  if (tenantId !== undefined) checkText('tenantId', tenantId, MAX_ID_LENGTH);
}

function checkLabel(label: ReportLabel): void {
  if (typeof label !== 'object' || label === null || !(expectedOutcomes as readonly string[]).includes(label.expect)) refuse('label.expect', `must be one of ${expectedOutcomes.join(', ')}`);
  if (label.category !== undefined && (typeof label.category !== 'string' || !reportCategoryPattern.test(label.category))) refuse('label.category', 'must be 1 to 100 letters, digits or _.:/-');
}

function checkNote(path: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > maxReportNoteLength) refuse(path, `must be text of at most ${maxReportNoteLength} characters`);
}

function checkTime(path: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) refuse(path, 'must be a valid Date');
}

function checkText(path: string, value: unknown, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) refuse(path, `must be text of 1 to ${maxLength} characters`);
}

function refuse(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `report store: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
