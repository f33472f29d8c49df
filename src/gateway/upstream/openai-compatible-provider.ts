import { createHttpProvider, type HttpProvider } from './http-provider.js';
import { type ProviderTimeouts } from './provider.js';

export interface OpenAICompatibleProviderOptions {
  name: string;
  /** Up to the API version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; local servers often need none. */
  apiKey?: string;
  headers?: Readonly<Record<string, string>>;
  timeouts?: Partial<ProviderTimeouts>;
  maxResponseBytes?: number;
  connections?: number;
}

/** Any server speaking OpenAI's chat completions: OpenAI, Azure, vLLM, Ollama, LiteLLM… */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): HttpProvider {
  return createHttpProvider({
    name: options.name,
    format: 'openai',
    baseUrl: options.baseUrl,
    defaultPath: '/chat/completions',
    fixedHeaders: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
    headers: options.headers,
    timeouts: options.timeouts,
    maxResponseBytes: options.maxResponseBytes,
    connections: options.connections,
    isTerminator: (event) => event.data === '[DONE]',
  });
}
