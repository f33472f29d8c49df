import { type Readable } from 'node:stream';
import { Pool } from 'undici';
import { PalisadeError } from '../../core/errors.js';
import {
  defaultProviderTimeouts,
  type Provider,
  type ProviderFormat,
  type ProviderTimeouts,
  type UpstreamEvent,
  type UpstreamRequest,
  type UpstreamResponse,
} from './provider.js';
import { SseEventStream } from './sse-event-stream.js';
import { readProviderError, statusError } from './status-error.js';
import { transportError } from './transport-error.js';
import { UpstreamError } from './upstream-error.js';

export interface HttpProviderOptions {
  name: string;
  format: ProviderFormat;
  /** `http:` or `https:`; its path (and query) prefix every request path. */
  baseUrl: string;
  /** Used when the request names no path, e.g. `/chat/completions`. */
  defaultPath: string;
  /** Authentication and version headers: applied last, so nothing else can replace them. */
  fixedHeaders: Readonly<Record<string, string>>;
  /** Configured extra headers for every request. */
  headers?: Readonly<Record<string, string>>;
  timeouts?: Partial<ProviderTimeouts>;
  /** Largest answer accepted, streams included. Default 32 MiB. */
  maxResponseBytes?: number;
  /** Most connections open to the upstream at once. Default: unlimited. */
  connections?: number;
  isTerminator(event: UpstreamEvent): boolean;
  eventError?(event: UpstreamEvent): UpstreamError | undefined;
}

export interface HttpProvider extends Provider {
  readonly timeouts: ProviderTimeouts;
  /** Closes the connection pool once the requests in flight are done. */
  close(): Promise<void>;
}

// Only the start of an error body is read: the message is in the first bytes.
const maxErrorBodyChars = 16 * 1024;

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function lowerCaseKeys(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) lowered[name.toLowerCase()] = value;
  return lowered;
}

async function readStart(body: Readable, maxChars: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body as AsyncIterable<Buffer>) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length >= maxChars) break;
  }
  return text + decoder.decode();
}

function parseBaseUrl(name: string, baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new PalisadeError('invalid_config', `provider "${name}": base URL is not a URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PalisadeError('invalid_config', `provider "${name}": base URL must use http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new PalisadeError('invalid_config', `provider "${name}": put credentials in apiKey or headers, not in the base URL`);
  }
  return url;
}

/** The transport shared by every wire format: one keep-alive pool to the provider's origin. */
export function createHttpProvider(options: HttpProviderOptions): HttpProvider {
  const { name, format } = options;
  const base = parseBaseUrl(name, options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const timeouts: ProviderTimeouts = { ...defaultProviderTimeouts, ...options.timeouts };
  const pool = new Pool(base.origin, {
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
    maxResponseSize: options.maxResponseBytes ?? 32 * 1024 * 1024,
    connections: options.connections ?? null,
  });
  const configuredHeaders = lowerCaseKeys(options.headers);
  const fixedHeaders = lowerCaseKeys(options.fixedHeaders);

  function requestPath(path: string | undefined): string {
    const relative = path ?? options.defaultPath;
    return `${basePath}${relative}${relative.includes('?') ? '' : base.search}`;
  }

  async function send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { signal } = request;
    const payload = JSON.stringify(request.body);
    if (signal.aborted) throw signal.reason;

    const controller = new AbortController();
    const state = { totalTimedOut: false, answered: false, released: false };
    const onClientAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', onClientAbort, { once: true });
    const timer = setTimeout(() => {
      state.totalTimedOut = true;
      controller.abort(new Error('total timeout'));
    }, timeouts.totalMs);
    const release = (): void => {
      if (state.released) return;
      state.released = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onClientAbort);
    };
    const mapError = (error: unknown): unknown => {
      if (signal.aborted) return signal.reason;
      if (error instanceof UpstreamError) return error;
      return transportError(error, { provider: name, timeouts, stream: request.stream, ...state }) ?? error;
    };

    let body: Readable | undefined;
    try {
      const response = await pool.request({
        method: 'POST',
        path: requestPath(request.path),
        headers: {
          'content-type': 'application/json',
          accept: request.stream ? 'text/event-stream' : 'application/json',
          // undici does not decompress; ask for plain bytes rather than risk a compressed body.
          'accept-encoding': 'identity',
          'user-agent': 'palisade',
          'x-request-id': request.requestId,
          ...configuredHeaders,
          ...lowerCaseKeys(request.headers),
          ...fixedHeaders,
        },
        body: payload,
        signal: controller.signal,
      });
      state.answered = true;
      body = response.body;
      const status = response.statusCode;
      const headers = flattenHeaders(response.headers);

      if (status < 200 || status >= 300) {
        throw statusError({ provider: name, status, headers, bodyText: await readStart(response.body, maxErrorBodyChars) });
      }
      if (!request.stream) {
        const text = await response.body.text();
        release();
        return { kind: 'json', status, headers, body: parseJsonBody(name, text) };
      }
      if ((headers['content-type'] ?? '').includes('application/json')) {
        const providerError = readProviderError(await readStart(response.body, maxErrorBodyChars));
        throw new UpstreamError({
          provider: name,
          failure: 'invalid_response',
          retryable: false,
          upstreamMessage: providerError?.message,
          message: `upstream "${name}" answered a streaming request with JSON${providerError === undefined ? '' : `: ${providerError.message}`}`,
        });
      }
      const events = new SseEventStream({
        provider: name,
        body: response.body,
        isTerminator: options.isTerminator,
        eventError: options.eventError,
        mapError,
        release,
      });
      await events.start();
      // The stream has started: from here only the idle timeout applies.
      clearTimeout(timer);
      return { kind: 'stream', status, headers, events };
    } catch (error) {
      release();
      if (body !== undefined && !body.readableEnded) body.destroy();
      throw mapError(error);
    }
  }

  return {
    name,
    format,
    timeouts,
    send,
    close: () => pool.close(),
  };
}

function parseJsonBody(provider: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UpstreamError({
      provider,
      failure: 'invalid_response',
      retryable: false,
      message: `upstream "${provider}" answered with a body that is not valid JSON`,
      cause: error,
    });
  }
}
