import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PalisadeError } from '../../core/errors.js';
import { holdIdempotencyClaim, type HeldIdempotencyClaim } from '../../idempotency/hold-idempotency-claim.js';
import type { IdempotencyStore, StoredResponse } from '../../idempotency/idempotency-store.js';

/** A claimed key, its lease renewed until `complete` or `release`. */
export type IdempotencyClaim = { state: 'claimed'; key: string } & HeldIdempotencyClaim;
export type IdempotencyOutcome = IdempotencyClaim | { state: 'replay'; key: string; response: StoredResponse };

/** How long a running request holds its key without renewing it (`idempotency.lease_seconds`). */
const defaultLeaseMs = 30_000;

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
 *
 * The claim is a lease of `leaseMs` (never more than `ttlMs`), renewed while the request runs, so
 * a retry after the replica running the first request died waits one lease, not one TTL. A
 * completed response is kept `ttlMs`.
 */
export async function claimIdempotencyKey(options: {
  store: IdempotencyStore;
  headers: IncomingHttpHeaders;
  tenantId: string;
  endpoint: string;
  body: unknown;
  ttlMs: number;
  leaseMs?: number;
}): Promise<IdempotencyOutcome | undefined> {
  const header = options.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !keyPattern.test(key)) {
    throw new PalisadeError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters', { details: [{ path: 'Idempotency-Key', message: 'invalid' }] });
  }
  const storeKey = `${options.tenantId}:${options.endpoint}:${key}`;
  const leaseMs = Math.min(options.leaseMs ?? defaultLeaseMs, options.ttlMs);
  let begun;
  try {
    begun = await options.store.begin({ key: storeKey, fingerprint: fingerprint(options.body), leaseMs });
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
      return { state: 'claimed', key, ...holdIdempotencyClaim({ store: options.store, key: storeKey, owner: begun.owner, leaseMs, ttlMs: options.ttlMs }) };
  }
}
