/**
 * The one error catalog. Every failure Palisade reports has a code from this closed list; the
 * HTTP status is declared beside it so the compiler keeps the two together. Messages of these
 * errors are composed by Palisade and never quote the checked content.
 */
export const errorStatus = {
  /** The caller's arguments are wrong (CLI usage, options). */
  invalid_argument: 400,
  /** The content to check has the wrong shape. */
  invalid_input: 400,
  invalid_policy: 422,
  invalid_config: 422,
  /** The request body is not valid JSON (or not UTF-8, or nested too deeply). */
  invalid_json: 400,
  /** A request field is missing or has the wrong type; `param` names it. */
  invalid_request: 400,
  /** No API key, or one that is unknown, expired or revoked. */
  unauthenticated: 401,
  /** The key is valid but lacks the scope (or tenant) the operation needs. */
  forbidden: 403,
  /** The model, route or resource does not exist (or is not visible to this tenant). */
  not_found: 404,
  method_not_allowed: 405,
  /** The client was too slow sending its request. */
  request_timeout: 408,
  /** An `Idempotency-Key` is in use by a request still running, or was used with a different body. */
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** The policy blocked the request's content. */
  content_blocked: 400,
  /** The policy holds the content for a human (escalate, require_approval): it is not sent on. */
  content_held: 403,
  rate_limited: 429,
  /** The upstream provider answered with an error or an unreadable response. */
  upstream_error: 502,
  /** Every provider of the route is down or its circuit breaker is open. */
  upstream_unavailable: 503,
  upstream_timeout: 504,
  /** Palisade itself cannot serve now (not ready, draining, a store is down). */
  unavailable: 503,
  internal_error: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  /** Where the problem is, e.g. `messages[2].content` or `rules[3].min_score`. */
  path?: string;
  message: string;
}

export class PalisadeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly ErrorDetail[];
  /** Seconds the caller should wait before retrying (`rate_limited`, `unavailable`). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: readonly ErrorDetail[]; cause?: unknown; retryAfter?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PalisadeError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = options.details ?? [];
    this.retryAfter = options.retryAfter;
  }
}

export function isPalisadeError(error: unknown): error is PalisadeError {
  return error instanceof PalisadeError;
}
