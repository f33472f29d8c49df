/**
 * Rate limits and quotas: the interface every backend (in-process, Redis) implements, checked
 * by one contract suite (`rate-limiter-contract.ts`).
 */

/** Limits for one subject (a key or a tenant); an absent limit is unlimited. */
export interface LimitSettings {
  requestsPerMinute?: number;
  /** Prompt plus completion tokens per minute: estimated before the call, corrected after. */
  tokensPerMinute?: number;
  /** Requests in flight at once. */
  concurrentRequests?: number;
}

export interface LimitSubject {
  kind: 'key' | 'tenant';
  id: string;
  limits: LimitSettings;
}

export interface AcquireRequest {
  /** All must admit the request; if one refuses, none is charged. */
  subjects: readonly LimitSubject[];
  /** Tokens this request is expected to use (prompt estimate plus the completion allowance). */
  estimatedTokens: number;
  /**
   * Unique per request: names the concurrency slot, so a lost release expires instead of leaking
   * (after the backend's lease TTL, 10 minutes by default).
   */
  requestId: string;
}

/** What the most constrained subject has left, for the `x-ratelimit-*` headers. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Milliseconds until the subject is fully replenished. */
  resetMs: number;
}

export interface LimitStates {
  requests?: LimitState;
  tokens?: LimitState;
}

export interface Lease {
  /**
   * Corrects the token charge to what the request really used (refunds or charges the
   * difference; `undefined` keeps the estimate) and frees the concurrency slot. Safe to call twice.
   */
  complete(actualTokens?: number): Promise<void>;
}

export type AcquireResult =
  | { allowed: true; lease: Lease; state: LimitStates }
  | {
      allowed: false;
      /**
       * Which subject and which limit refused: the first one found (subjects in order; requests,
       * tokens, concurrent within one), except that a refusal no wait can fix wins.
       */
      subject: LimitSubject['kind'];
      limit: 'requests' | 'tokens' | 'concurrent';
      /**
       * When a retry can succeed (for `Retry-After`): the longest wait among the limits that
       * refused, exact for requests and tokens; for `concurrent`, a short hint (at most 1 s).
       * `Infinity` when waiting cannot help: the token estimate exceeds a whole per-minute limit,
       * so the request must be made smaller (answer without `Retry-After`).
       */
      retryAfterMs: number;
      state: LimitStates;
    };

export interface RateLimiter {
  acquire(request: AcquireRequest): Promise<AcquireResult>;
  close(): Promise<void>;
}
