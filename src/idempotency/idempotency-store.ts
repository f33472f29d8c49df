/**
 * `Idempotency-Key` support: a retried request with the same key (per tenant) within the TTL
 * gets the stored response instead of a second upstream call. Backends: in-process and Redis,
 * checked by one contract suite.
 */

/** The response as the client received it, replayable byte for byte. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, UTF-8 (a streamed response is stored as the whole event stream). */
  body: string;
}

export type BeginResult =
  /** The caller owns the key now and must `complete` or `release` it. */
  | { state: 'claimed' }
  /** Another request with this key is still running. */
  | { state: 'in_progress' }
  /** The key was used with a different request body. */
  | { state: 'mismatch' }
  | { state: 'done'; response: StoredResponse };

export interface IdempotencyStore {
  /** `fingerprint` identifies the request body; `ttlMs` bounds both the claim and the stored response. */
  begin(key: string, fingerprint: string, ttlMs: number): Promise<BeginResult>;
  /**
   * Stores the response of the caller's claim, kept `ttlMs` from now. Only a running claim takes
   * one: after `release`, or once the claim has expired, nothing is stored (the fingerprint is
   * gone), and a stored response is never replaced.
   */
  complete(key: string, response: StoredResponse, ttlMs: number): Promise<void>;
  /** Gives the key up (the request failed before an answer worth replaying), so a retry runs again. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}
