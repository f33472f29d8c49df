import type { IncomingHttpHeaders } from 'node:http';
import { PalisadeError } from '../../core/errors.js';

/** Printable ASCII, bounded: the id becomes part of a store key. */
const sessionPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * The conversation a request belongs to, from `x-palisade-session-id`: per-session tool budgets
 * count calls under it. Absent: budgets count per API key. A malformed id is refused (400),
 * never silently ignored, since ignoring it would merge budgets the client meant to separate.
 */
export function toolSessionId(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['x-palisade-session-id'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !sessionPattern.test(value)) {
    throw new PalisadeError('invalid_request', 'x-palisade-session-id must be 1 to 128 printable ASCII characters', { details: [{ path: 'x-palisade-session-id', message: 'invalid' }] });
  }
  return value;
}
