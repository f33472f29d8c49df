import { isPalisadeError, PalisadeError } from '../../core/errors.js';

/** Fastify's own refusals (body size, media type, bad URL…) in Palisade's catalog, with their reason kept. */
const fastifyCodes: Readonly<Record<string, (message: string) => PalisadeError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new PalisadeError('payload_too_large', 'the request body is larger than the gateway accepts (server.body_limit_bytes)'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new PalisadeError('unsupported_media_type', 'send the request body as application/json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new PalisadeError('invalid_request', 'the Content-Length header does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new PalisadeError('invalid_json', 'the request body is empty; send a JSON object'),
  FST_ERR_BAD_URL: () => new PalisadeError('invalid_request', 'the request URL is malformed'),
  FST_ERR_ASYNC_CONSTRAINT: () => new PalisadeError('invalid_request', 'the request cannot be routed'),
};

/**
 * Any error as a `PalisadeError`. Errors Palisade did not anticipate become `internal_error`
 * with a fixed message: their text (which could quote content or a stack) is logged by the
 * caller with the request id, never sent to the client.
 */
export function toPalisadeError(error: unknown): { error: PalisadeError; unexpected: boolean } {
  if (isPalisadeError(error)) return { error, unexpected: false };
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const known = code === undefined ? undefined : fastifyCodes[code];
  if (known !== undefined) return { error: known(String((error as Error).message)), unexpected: false };
  const status = typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : 500;
  if (status >= 400 && status < 500) return { error: new PalisadeError('invalid_request', 'the request cannot be processed'), unexpected: true };
  return { error: new PalisadeError('internal_error', 'Palisade hit an unexpected error; the request id identifies it in the logs'), unexpected: true };
}
