/**
 * Argument checks shared by every backend of the policy-version, rollout and shadow stores, so
 * that all of them refuse the same calls with the same errors before touching their storage.
 * Messages never quote the values checked.
 */
import { PalisadeError } from '../../core/errors.js';

export const MAX_ID_LENGTH = 256;
export const MAX_REASON_LENGTH = 1_024;

export function checkText(store: string, path: string, value: unknown, maxLength: number = MAX_ID_LENGTH): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) refuse(store, path, `must be text of 1 to ${maxLength} characters`);
}

export function checkOptionalText(store: string, path: string, value: unknown, maxLength: number = MAX_ID_LENGTH): void {
  if (value !== undefined) checkText(store, path, value, maxLength);
}

export function checkTime(store: string, path: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) refuse(store, path, 'must be a valid Date');
}

export function checkPolicyHash(store: string, path: string, value: unknown): void {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) refuse(store, path, 'must be 64 lowercase hex digits (a sha256)');
}

export function checkLimit(store: string, value: unknown, max: number): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max)) refuse(store, 'limit', `must be a whole number from 1 to ${max}`);
}

export function checkOneOf<T extends string>(store: string, path: string, value: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(value as T)) refuse(store, path, `must be one of ${allowed.join(', ')}`);
}

export function refuse(store: string, path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `${store}: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
