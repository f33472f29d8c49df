import type { IncomingHttpHeaders } from 'node:http';
import { isPalisadeError, PalisadeError } from '../../core/errors.js';
import { authenticate, type Authentication } from '../../keys/authenticate.js';
import type { KeyStore } from '../../keys/key-store.js';
import { presentedKey } from '../../keys/presented-key.js';
import { requireScope } from '../../keys/require-scope.js';
import type { Scope } from '../../keys/scopes.js';

/**
 * Authenticate the caller's key (every call reads the store) and require `scope`:
 * `unauthenticated` 401 or `forbidden` 403. A store that fails (its database is down) is
 * `unavailable` 503 with a retry hint, like every other store outage, not an internal error.
 */
export async function authorize(options: { keys: KeyStore; headers: IncomingHttpHeaders; scope: Scope; now: Date }): Promise<Authentication> {
  let auth: Authentication;
  try {
    auth = await authenticate(options.keys, presentedKey(options.headers), { now: options.now });
  } catch (error) {
    if (isPalisadeError(error)) throw error;
    throw new PalisadeError('unavailable', 'the key store is unavailable', { cause: error, retryAfter: 1 });
  }
  requireScope(auth, options.scope);
  return auth;
}
