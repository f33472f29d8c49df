import { z } from 'zod';
import { parseRetryAfter } from './retry-after.js';
import { UpstreamError } from './upstream-error.js';

// OpenAI: { error: { message, type, code } }; Anthropic: { type: 'error', error: { type, message } };
// some OpenAI-compatible servers: { error: 'text' }.
const providerErrorBody = z.object({
  error: z.union([z.object({ message: z.string(), type: z.string().optional() }), z.string()]),
});

const maxMessageLength = 300;

export interface ProviderErrorMessage {
  message: string;
  /** Anthropic's and OpenAI's error type, e.g. `overloaded_error`, `invalid_request_error`. */
  type: string | undefined;
}

/** The provider's own error message from a JSON error body, cleaned and truncated; else undefined. */
export function readProviderError(text: string): ProviderErrorMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = providerErrorBody.safeParse(parsed);
  if (!result.success) return undefined;
  const { error } = result.data;
  const raw = typeof error === 'string' ? error : error.message;
  // Control characters could forge log lines; the length bound keeps echoed input short.
  const message = raw.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  if (message === '') return undefined;
  return {
    message: message.length > maxMessageLength ? `${message.slice(0, maxMessageLength)}…` : message,
    type: typeof error === 'string' ? undefined : error.type,
  };
}

function retryableStatus(status: number, headers: Readonly<Record<string, string>>): boolean {
  // Both official SDKs let the server decide with this header; we do the same.
  const shouldRetry = headers['x-should-retry'];
  if (shouldRetry === 'true') return true;
  if (shouldRetry === 'false') return false;
  return status === 408 || status === 429 || status >= 500;
}

export interface StatusErrorInput {
  provider: string;
  status: number;
  headers: Readonly<Record<string, string>>;
  /** The start of the error body. */
  bodyText: string;
}

export function statusError(input: StatusErrorInput): UpstreamError {
  const providerError = readProviderError(input.bodyText);
  const detail = providerError === undefined ? '' : `: ${providerError.message}`;
  return new UpstreamError({
    provider: input.provider,
    failure: 'status',
    status: input.status,
    retryable: retryableStatus(input.status, input.headers),
    retryAfterMs: parseRetryAfter(input.headers),
    upstreamMessage: providerError?.message,
    message: `upstream "${input.provider}" answered ${input.status}${detail}`,
  });
}
