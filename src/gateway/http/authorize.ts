import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, type Authentication } from '../../keys/authenticate.js';
import type { KeyStore } from '../../keys/key-store.js';
import { presentedKey } from '../../keys/presented-key.js';
import { requireScope } from '../../keys/require-scope.js';
import type { Scope } from '../../keys/scopes.js';

/** Authenticate the caller's key (every call reads the store) and require `scope`: `unauthenticated` 401 or `forbidden` 403. */
export async function authorize(options: { keys: KeyStore; headers: IncomingHttpHeaders; scope: Scope; now: Date }): Promise<Authentication> {
  const auth = await authenticate(options.keys, presentedKey(options.headers), { now: options.now });
  requireScope(auth, options.scope);
  return auth;
}
