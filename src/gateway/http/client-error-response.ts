import { STATUS_CODES } from 'node:http';
import { PalisadeError } from '../../core/errors.js';
import { renderOpenAIError } from '../wire/render-wire-error.js';

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Node's `requestTimeout` / `headersTimeout` cut the connection: the client was too slow sending its request. */
export function isClientTimeout(error: unknown): boolean {
  return errorCode(error) === 'ERR_HTTP_REQUEST_TIMEOUT';
}

/** The error a request's body stream raises when its connection closes before the body is complete. */
export function isBodyCut(error: unknown): boolean {
  return errorCode(error) === 'ECONNRESET';
}

/**
 * A body cut short: Node timed the client out (`request_timeout`, 408), or the client left
 * (recorded as 499, the status the completion handler gives a client that went away; nobody
 * reads the answer). Neither is unexpected: no error is logged.
 */
export function bodyCutFailure(options: { timedOut: boolean }): { error: PalisadeError; status: number; unexpected: false } {
  if (options.timedOut) {
    const error = clientErrorAsPalisadeError({ code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    return { error, status: error.status, unexpected: false };
  }
  return { error: new PalisadeError('invalid_request', 'the client closed the connection before sending the whole request'), status: 499, unexpected: false };
}

/** The client error as a catalog error: too slow (408), headers too large or not HTTP at all (400). */
export function clientErrorAsPalisadeError(error: unknown): PalisadeError {
  if (isClientTimeout(error)) return new PalisadeError('request_timeout', 'the request was not received in time (server.header_timeout_ms, server.request_timeout_ms); the connection is closed');
  if (errorCode(error) === 'HPE_HEADER_OVERFLOW') return new PalisadeError('invalid_request', 'the request headers are larger than the gateway accepts');
  return new PalisadeError('invalid_request', 'the request is not valid HTTP');
}

/**
 * The raw HTTP response for an error Node reports before a request exists (Node's `clientError`:
 * a slow-loris client, malformed HTTP): the OpenAI error envelope with a stable code and a request
 * id, like every other error, and `Connection: close` since the socket is closed after it.
 */
export function clientErrorResponse(error: unknown, requestId: string): string {
  const rendered = renderOpenAIError(clientErrorAsPalisadeError(error));
  const body = JSON.stringify(rendered.body);
  const headers = [
    `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-palisade-request-id: ${requestId}`,
    'connection: close',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}
