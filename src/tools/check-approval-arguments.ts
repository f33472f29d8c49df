/**
 * Argument checks shared by every approval store backend, so that all of them refuse the same
 * calls with the same errors before touching their storage. Messages never quote the arguments.
 */
import { PalisadeError } from '../core/errors.js';
import { approvalStatuses, toolRisks, type DecideApprovalRequest, type ListApprovalsOptions, type NewApprovalRequest } from './approval-store.js';

const MAX_ID_LENGTH = 256;
const MAX_LIST_LIMIT = 1_000;
/** The arguments are shown to a reviewer; a megabyte is far more than any tool call needs. */
const MAX_ARGUMENTS_LENGTH = 1_048_576;
const MAX_NOTE_LENGTH = 4_096;

export function checkNewApprovalRequest(request: NewApprovalRequest): void {
  for (const field of ['id', 'tenantId', 'keyId', 'requestId', 'tool'] as const) checkText(field, request[field], MAX_ID_LENGTH);
  for (const field of ['sessionId', 'route', 'callId'] as const) if (request[field] !== undefined) checkText(field, request[field], MAX_ID_LENGTH);
  if (typeof request.arguments !== 'string' || request.arguments.length > MAX_ARGUMENTS_LENGTH) refuse('arguments', `must be text of at most ${MAX_ARGUMENTS_LENGTH} characters`);
  if (typeof request.argsHash !== 'string' || !/^[0-9a-f]{64}$/.test(request.argsHash)) refuse('argsHash', 'must be 64 lowercase hex digits');
  if (!toolRisks.includes(request.risk)) refuse('risk', `must be one of ${toolRisks.join(', ')}`);
  if (!Array.isArray(request.reasons) || request.reasons.length === 0) refuse('reasons', 'must name at least one reason');
  request.reasons.forEach((reason, index) => checkText(`reasons[${index}]`, reason, MAX_ID_LENGTH));
  checkTime('createdAt', request.createdAt);
  checkTime('expiresAt', request.expiresAt);
  if (request.expiresAt.getTime() <= request.createdAt.getTime()) refuse('expiresAt', 'must be after createdAt');
}

export function checkListApprovalsOptions(options: ListApprovalsOptions): void {
  checkTime('now', options.now);
  if (!(Number.isSafeInteger(options.limit) && options.limit >= 1 && options.limit <= MAX_LIST_LIMIT)) refuse('limit', `must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  if (options.status !== undefined && !approvalStatuses.includes(options.status)) refuse('status', `must be one of ${approvalStatuses.join(', ')}`);
  if (options.tenantId !== undefined) checkText('tenantId', options.tenantId, MAX_ID_LENGTH);
  if (options.before !== undefined) checkText('before', options.before, MAX_ID_LENGTH);
}

export function checkDecideApprovalRequest(request: DecideApprovalRequest): void {
  checkText('id', request.id, MAX_ID_LENGTH);
  if (request.decision !== 'approved' && request.decision !== 'denied') refuse('decision', 'must be approved or denied');
  checkText('by', request.by, MAX_ID_LENGTH);
  if (request.note !== undefined && (typeof request.note !== 'string' || request.note.length > MAX_NOTE_LENGTH)) refuse('note', `must be text of at most ${MAX_NOTE_LENGTH} characters`);
  checkTime('now', request.now);
  if (request.tenantId !== undefined) checkText('tenantId', request.tenantId, MAX_ID_LENGTH);
}

export function checkTime(path: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) refuse(path, 'must be a valid Date');
}

function checkText(path: string, value: unknown, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) refuse(path, `must be text of 1 to ${maxLength} characters`);
}

function refuse(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `approval store: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
