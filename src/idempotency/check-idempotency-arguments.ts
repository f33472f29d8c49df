import { PalisadeError } from '../core/errors.js';

/**
 * Rejects arguments no backend can honour, the same way in every backend: the gateway derives
 * them (the key from the tenant and the client's header, bounded there; the owner from `begin`),
 * so a bad one here is a programming error.
 */
export function checkIdempotencyArguments(options: { key: string; owner?: string; ttlMs?: number; leaseMs?: number }): void {
  if (options.key === '') throw new PalisadeError('invalid_argument', 'idempotency store: the key must not be empty', { details: [{ path: 'key', message: 'empty' }] });
  if (options.owner === '') throw new PalisadeError('invalid_argument', 'idempotency store: the owner must not be empty', { details: [{ path: 'owner', message: 'empty' }] });
  for (const name of ['ttlMs', 'leaseMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new PalisadeError('invalid_argument', `idempotency store: ${name} must be a positive whole number of milliseconds`, { details: [{ path: name, message: 'not a positive integer' }] });
    }
  }
}
