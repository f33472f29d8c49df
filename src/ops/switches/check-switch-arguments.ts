/**
 * Argument checks shared by every switch store backend, so that all of them refuse the same calls
 * with the same errors before touching their storage. Messages never quote the reason.
 */
import { PalisadeError } from '../../core/errors.js';
import { GLOBAL_SWITCH_ID, switchScopes, switchStates, type SwitchFlip, type SwitchHistoryOptions, type SwitchScope } from './switch-store.js';

const MAX_ID_LENGTH = 256;
export const MAX_SWITCH_REASON_LENGTH = 500;
const MAX_HISTORY_LIMIT = 1_000;

export function checkSwitchFlip(flip: SwitchFlip): void {
  checkSwitchTarget(flip.scope, flip.id);
  if (!switchStates.includes(flip.state)) refuse('state', `must be one of ${switchStates.join(', ')}`);
  checkText('reason', flip.reason, MAX_SWITCH_REASON_LENGTH);
  checkText('actor', flip.actor, MAX_ID_LENGTH);
  checkTime('at', flip.at);
  if (flip.incidentId !== undefined) checkText('incidentId', flip.incidentId, MAX_ID_LENGTH);
  if (flip.state === 'degrade') {
    const degrade = flip.degrade;
    if (degrade === undefined || (degrade.tools === undefined && degrade.policy === undefined)) refuse('degrade', 'must disable tools, force a policy, or both');
    if (degrade.tools !== undefined && degrade.tools !== 'disabled') refuse('degrade.tools', 'must be disabled');
    if (degrade.policy !== undefined) checkText('degrade.policy', degrade.policy, MAX_ID_LENGTH);
  } else if (flip.degrade !== undefined) {
    refuse('degrade', 'is for the degrade state only');
  }
  if (flip.expiresAt !== undefined) {
    checkTime('expiresAt', flip.expiresAt);
    if (flip.state === 'on') refuse('expiresAt', 'is not for the on state (on is what an expiry goes back to)');
    if (flip.expiresAt.getTime() <= flip.at.getTime()) refuse('expiresAt', 'must be after at');
  }
}

export function checkSwitchTarget(scope: SwitchScope, id: string): void {
  if (!switchScopes.includes(scope)) refuse('scope', `must be one of ${switchScopes.join(', ')}`);
  checkText('id', id, MAX_ID_LENGTH);
  if (scope === 'global' && id !== GLOBAL_SWITCH_ID) refuse('id', `must be ${GLOBAL_SWITCH_ID} for the global switch`);
  if (scope !== 'global' && id === GLOBAL_SWITCH_ID) refuse('id', `${GLOBAL_SWITCH_ID} is the global switch's id; use scope global`);
}

export function checkSwitchHistoryOptions(options: SwitchHistoryOptions): void {
  if (!(Number.isSafeInteger(options.limit) && options.limit >= 1 && options.limit <= MAX_HISTORY_LIMIT)) refuse('limit', `must be a whole number from 1 to ${MAX_HISTORY_LIMIT}`);
  if (options.scope !== undefined && !switchScopes.includes(options.scope)) refuse('scope', `must be one of ${switchScopes.join(', ')}`);
  if (options.id !== undefined) {
    if (options.scope === undefined) refuse('id', 'needs a scope');
    checkText('id', options.id, MAX_ID_LENGTH);
  }
  if (options.before !== undefined) checkVersion('before', options.before);
}

export function checkVersion(path: string, value: unknown): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) refuse(path, 'must be a whole number, 0 or more');
}

function checkTime(path: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) refuse(path, 'must be a valid Date');
}

function checkText(path: string, value: unknown, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) refuse(path, `must be text of 1 to ${maxLength} characters`);
}

function refuse(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `switch store: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
