import { PalisadeError } from '../core/errors.js';

/**
 * Rejects arguments no backend can honour, the same way in every backend: the gateway derives
 * them (the key from the tenant and the client's header, bounded there), so a bad one here is a
 * programming error.
 */
export function checkIdempotencyArguments(options: { key: string; ttlMs?: number }): void {
  if (options.key === '') throw new PalisadeError('invalid_argument', 'idempotency store: the key must not be empty', { details: [{ path: 'key', message: 'empty' }] });
  if (options.ttlMs !== undefined && !(Number.isInteger(options.ttlMs) && options.ttlMs > 0)) {
    throw new PalisadeError('invalid_argument', 'idempotency store: ttlMs must be a positive whole number of milliseconds', { details: [{ path: 'ttlMs', message: 'not a positive integer' }] });
  }
}
