import type { ErrorCode, PalisadeError } from '../../core/errors.js';

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'server_error';

/** Anthropic's error types (the SDK's `ErrorType`, plus `request_too_large`, which the API sends for 413). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error';

/**
 * Every Palisade error code as each API's error type. A `Record` over `ErrorCode`: a new code does
 * not compile until it is mapped here. The HTTP status stays Palisade's (`errorStatus`); the SDKs
 * pick their exception class by status, the type is what a client's code reads.
 */
export const errorWireTypes: Readonly<Record<ErrorCode, { openai: OpenAIErrorType; anthropic: AnthropicErrorType }>> = {
  invalid_argument: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  invalid_input: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  invalid_policy: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  invalid_config: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  invalid_json: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  invalid_request: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  unauthenticated: { openai: 'authentication_error', anthropic: 'authentication_error' },
  forbidden: { openai: 'permission_error', anthropic: 'permission_error' },
  not_found: { openai: 'not_found_error', anthropic: 'not_found_error' },
  method_not_allowed: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  request_timeout: { openai: 'invalid_request_error', anthropic: 'timeout_error' },
  idempotency_conflict: { openai: 'conflict_error', anthropic: 'conflict_error' },
  payload_too_large: { openai: 'invalid_request_error', anthropic: 'request_too_large' },
  unsupported_media_type: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  // OpenAI reports its own content-policy refusals as invalid requests; the code says which.
  content_blocked: { openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  content_held: { openai: 'permission_error', anthropic: 'permission_error' },
  rate_limited: { openai: 'rate_limit_error', anthropic: 'rate_limit_error' },
  upstream_error: { openai: 'api_error', anthropic: 'api_error' },
  upstream_unavailable: { openai: 'server_error', anthropic: 'overloaded_error' },
  upstream_timeout: { openai: 'server_error', anthropic: 'timeout_error' },
  unavailable: { openai: 'server_error', anthropic: 'overloaded_error' },
  internal_error: { openai: 'server_error', anthropic: 'api_error' },
};

export interface RenderedError {
  status: number;
  /** `retry-after` (seconds) when the error carries one. */
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function headersOf(error: PalisadeError): Record<string, string> {
  return error.retryAfter === undefined ? {} : { 'retry-after': String(Math.max(0, Math.ceil(error.retryAfter))) };
}

/** The OpenAI error envelope: `{ error: { message, type, param, code } }`; `param` is the first detail's path. */
export function renderOpenAIError(error: PalisadeError): RenderedError {
  const param = error.details.find((detail) => detail.path !== undefined)?.path ?? null;
  return {
    status: error.status,
    headers: headersOf(error),
    body: { error: { message: error.message, type: errorWireTypes[error.code].openai, param, code: error.code } },
  };
}

/** Anthropic's error body: `{ type: 'error', error: { type, message }, request_id }`. */
export function renderAnthropicError(error: PalisadeError, options: { requestId?: string } = {}): RenderedError {
  return {
    status: error.status,
    headers: headersOf(error),
    body: { type: 'error', error: { type: errorWireTypes[error.code].anthropic, message: error.message }, request_id: options.requestId ?? null },
  };
}
