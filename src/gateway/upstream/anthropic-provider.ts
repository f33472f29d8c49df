import { createHttpProvider, type HttpProvider } from './http-provider.js';
import { type ProviderTimeouts, type UpstreamEvent } from './provider.js';
import { readProviderError } from './status-error.js';
import { UpstreamError } from './upstream-error.js';

export interface AnthropicProviderOptions {
  name: string;
  /** Default `https://api.anthropic.com`. */
  baseUrl?: string;
  /** Sent as `x-api-key`. */
  apiKey: string;
  /** The `anthropic-version` header. Default `2023-06-01`. */
  version?: string;
  headers?: Readonly<Record<string, string>>;
  timeouts?: Partial<ProviderTimeouts>;
  maxResponseBytes?: number;
  connections?: number;
}

// Anthropic's own advice: these error types are worth another try; the others are the request's fault.
const retryableErrorTypes = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

function streamError(provider: string, event: UpstreamEvent): UpstreamError | undefined {
  if (event.event !== 'error') return undefined;
  const reported = readProviderError(event.data);
  return new UpstreamError({
    provider,
    failure: 'stream_error',
    retryable: reported?.type !== undefined && retryableErrorTypes.has(reported.type),
    upstreamMessage: reported?.message,
    message: `upstream "${provider}" reported an error in its stream${reported === undefined ? '' : `: ${reported.message}`}`,
  });
}

export function createAnthropicProvider(options: AnthropicProviderOptions): HttpProvider {
  return createHttpProvider({
    name: options.name,
    format: 'anthropic',
    baseUrl: options.baseUrl ?? 'https://api.anthropic.com',
    defaultPath: '/v1/messages',
    fixedHeaders: { 'x-api-key': options.apiKey, 'anthropic-version': options.version ?? '2023-06-01' },
    headers: options.headers,
    timeouts: options.timeouts,
    maxResponseBytes: options.maxResponseBytes,
    connections: options.connections,
    isTerminator: (event) => event.event === 'message_stop',
    eventError: (event) => streamError(options.name, event),
  });
}
