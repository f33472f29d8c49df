import { PalisadeError, type ErrorCode } from '../../core/errors.js';

/** What went wrong with an upstream exchange; decides the error code and what may be retried. */
export type UpstreamFailure =
  /** The upstream answered with a status other than 2xx. */
  | 'status'
  /** No connection, or the connection broke (refused, reset, closed, DNS). */
  | 'connection'
  | 'connect_timeout'
  | 'first_byte_timeout'
  | 'total_timeout'
  | 'idle_timeout'
  /** A 2xx answer that cannot be read: invalid JSON, too large, JSON where a stream was asked for. */
  | 'invalid_response'
  /** A stream that ended before the format's terminator. */
  | 'truncated'
  /** The upstream reported an error inside a stream (Anthropic's `error` event). */
  | 'stream_error'
  /** The provider's circuit breaker is open: it was not called. */
  | 'circuit_open';

export interface UpstreamErrorOptions {
  provider: string;
  failure: UpstreamFailure;
  /** Composed by Palisade; may quote the provider's own error message, truncated. Never a key. */
  message: string;
  /** Trying the same provider again may succeed (nothing reached the client yet). */
  retryable: boolean;
  /** The upstream's HTTP status, when it answered. */
  status?: number;
  /** How long the upstream asked us to wait (`retry-after-ms`, `retry-after`). */
  retryAfterMs?: number;
  /** The provider's own error message (truncated), for logs and error bodies. */
  upstreamMessage?: string;
  cause?: unknown;
}

const codeOfFailure: Record<UpstreamFailure, ErrorCode> = {
  status: 'upstream_error',
  connection: 'upstream_error',
  connect_timeout: 'upstream_timeout',
  first_byte_timeout: 'upstream_timeout',
  total_timeout: 'upstream_timeout',
  idle_timeout: 'upstream_timeout',
  invalid_response: 'upstream_error',
  truncated: 'upstream_error',
  stream_error: 'upstream_error',
  circuit_open: 'upstream_unavailable',
};

export class UpstreamError extends PalisadeError {
  readonly provider: string;
  readonly failure: UpstreamFailure;
  readonly retryable: boolean;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly upstreamMessage: string | undefined;

  constructor(options: UpstreamErrorOptions) {
    super(codeOfFailure[options.failure], options.message, {
      cause: options.cause,
      retryAfter: options.retryAfterMs === undefined ? undefined : Math.ceil(options.retryAfterMs / 1000),
    });
    this.name = 'UpstreamError';
    this.provider = options.provider;
    this.failure = options.failure;
    this.retryable = options.retryable;
    this.upstreamStatus = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.upstreamMessage = options.upstreamMessage;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/**
 * The request itself was refused (4xx other than 408 and 429): another attempt or another
 * provider would get the same answer.
 */
export function isRequestRefused(error: unknown): boolean {
  return (
    isUpstreamError(error) &&
    error.failure === 'status' &&
    error.upstreamStatus !== undefined &&
    error.upstreamStatus >= 400 &&
    error.upstreamStatus < 500 &&
    error.upstreamStatus !== 408 &&
    error.upstreamStatus !== 429
  );
}
