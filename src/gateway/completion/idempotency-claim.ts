import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PalisadeError } from '../../core/errors.js';
import type { IdempotencyStore, StoredResponse } from '../../idempotency/idempotency-store.js';

export type IdempotencyClaim = { state: 'claimed'; key: string; complete(response: StoredResponse): Promise<void>; release(): Promise<void> };
export type IdempotencyOutcome = IdempotencyClaim | { state: 'replay'; key: string; response: StoredResponse };

/** Printable ASCII, as the IETF draft and Stripe accept; bounded so it is safe as a store key. */
const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** The fingerprint a key is bound to: the request body as the client sent it. */
function fingerprint(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * The `Idempotency-Key` stage. Without the header: nothing. With it: the first request with a
 * key (per tenant and endpoint) claims it; a retry within the TTL gets the stored answer; a retry
 * while the first still runs, or with a different body, is a conflict (409). A store failure is
 * `unavailable`: answering without the check could call the upstream twice, which the client
 * asked us not to.
 */
export async function claimIdempotencyKey(options: {
  store: IdempotencyStore;
  headers: IncomingHttpHeaders;
  tenantId: string;
  endpoint: string;
  body: unknown;
  ttlMs: number;
}): Promise<IdempotencyOutcome | undefined> {
  const header = options.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !keyPattern.test(key)) {
    throw new PalisadeError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters', { details: [{ path: 'Idempotency-Key', message: 'invalid' }] });
  }
  const storeKey = `${options.tenantId}:${options.endpoint}:${key}`;
  let begun;
  try {
    begun = await options.store.begin(storeKey, fingerprint(options.body), options.ttlMs);
  } catch (error) {
    throw new PalisadeError('unavailable', 'the idempotency store is unavailable', { cause: error, retryAfter: 1 });
  }
  switch (begun.state) {
    case 'done':
      return { state: 'replay', key, response: begun.response };
    case 'in_progress':
      throw new PalisadeError('idempotency_conflict', 'a request with this Idempotency-Key is still in progress; retry after it finishes');
    case 'mismatch':
      throw new PalisadeError('idempotency_conflict', 'this Idempotency-Key was already used with a different request body');
    case 'claimed':
      return {
        state: 'claimed',
        key,
        complete: (response) => options.store.complete(storeKey, response, options.ttlMs),
        release: () => options.store.release(storeKey),
      };
  }
}
