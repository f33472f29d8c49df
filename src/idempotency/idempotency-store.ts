/**
 * `Idempotency-Key` support: a retried request with the same key (per tenant) within the TTL
 * gets the stored response instead of a second upstream call. Backends: in-process and Redis,
 * checked by one contract suite.
 *
 * A running request holds its key on a short lease, renewed while it runs (`holdIdempotencyClaim`),
 * not for the whole TTL: if its replica dies, a retry may claim the key one lease later. Every
 * claim carries a random owner token, and only the owner can renew, complete or release it, so a
 * request whose lease ran out cannot touch the claim of the request that took the key over.
 */

/** The response as the client received it, replayable byte for byte. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, UTF-8 (a streamed response is stored as the whole event stream). */
  body: string;
}

export type BeginResult =
  /** The caller holds the key for `leaseMs` as `owner`: it must renew the lease while it runs, then `complete` or `release`. */
  | { state: 'claimed'; owner: string }
  /** Another request with this key is still running (its lease is live). */
  | { state: 'in_progress' }
  /** The key was used with a different request body. */
  | { state: 'mismatch' }
  | { state: 'done'; response: StoredResponse };

export interface IdempotencyStore {
  /** `fingerprint` identifies the request body; a claim lasts `leaseMs` unless renewed. */
  begin(options: { key: string; fingerprint: string; leaseMs: number }): Promise<BeginResult>;
  /**
   * Extends the owner's running claim to `leaseMs` from now. False, changing nothing, when the
   * key is not a running claim of `owner` (released, expired, taken over, or already done).
   */
  renew(options: { key: string; owner: string; leaseMs: number }): Promise<boolean>;
  /**
   * Stores the response of the owner's running claim, kept `ttlMs` from now; true when stored.
   * Nothing is stored after `release`, once the lease has run out, or for another owner, and a
   * stored response is never replaced.
   */
  complete(options: { key: string; owner: string; response: StoredResponse; ttlMs: number }): Promise<boolean>;
  /**
   * Gives the owner's running claim up (the request failed before an answer worth replaying), so
   * a retry runs again; true when released. Never drops a stored response or another owner's claim.
   */
  release(options: { key: string; owner: string }): Promise<boolean>;
  close(): Promise<void>;
}
