/**
 * The contract between the gateway and one upstream model API. A provider speaks one wire
 * format; translating between formats is the caller's job, so bodies cross this boundary
 * already in the provider's format and come back untouched.
 */
import { providerTimeoutDefaults } from '../../config/config-schema.js';

export type ProviderFormat = 'openai' | 'anthropic';

export interface UpstreamRequest {
  /**
   * Path under the provider's base URL. Defaults: `/chat/completions` for `openai` (base URLs
   * end in `/v1`), `/v1/messages` for `anthropic` (base URL is the bare origin).
   */
  path?: string;
  /** Already in the provider's format; sent as JSON. */
  body: unknown;
  /** Read the answer as server-sent events. The body must ask for streaming itself. */
  stream: boolean;
  /** The client's request: aborting it aborts the upstream exchange, including a running stream. */
  signal: AbortSignal;
  /** Sent as `x-request-id` so upstream logs can be matched with ours. */
  requestId: string;
  /** Extra headers for this request only (e.g. `anthropic-beta`); they never replace authentication. */
  headers?: Readonly<Record<string, string>>;
}

export interface UpstreamEvent {
  event?: string;
  data: string;
}

export type UpstreamResponse =
  | { kind: 'json'; status: number; headers: Record<string, string>; body: unknown }
  | {
      kind: 'stream';
      status: number;
      headers: Record<string, string>;
      /**
       * Single use. Ends after the format's terminator (`data: [DONE]`, `message_stop`); throws an
       * `UpstreamError` if the connection fails, goes idle or closes before the terminator.
       * Stopping early (`break`, `return()`) aborts the upstream request: consume or return it.
       */
      events: AsyncIterable<UpstreamEvent>;
    };

export interface Provider {
  readonly name: string;
  readonly format: ProviderFormat;
  /**
   * Resolves with a 2xx answer: for a stream, once its first event has arrived. Throws an
   * `UpstreamError` for any other outcome, or the signal's reason when the client aborted.
   */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
}

export interface ProviderTimeouts {
  /** TCP (and TLS) connection set-up. */
  connectMs: number;
  /** From sending the request until the response headers are in. */
  firstByteMs: number;
  /** Non-streaming: the whole exchange. Streaming: until the first event has arrived. */
  totalMs: number;
  /** Longest silence between two chunks of a body. */
  idleMs: number;
}

/**
 * Non-streaming answers arrive only once the model has finished, so the first byte can take
 * as long as a whole generation: the defaults leave room for long answers, and a route that
 * wants to fail over sooner configures shorter ones.
 */
export const defaultProviderTimeouts: ProviderTimeouts = {
  connectMs: providerTimeoutDefaults.connect_ms,
  firstByteMs: providerTimeoutDefaults.first_byte_ms,
  totalMs: providerTimeoutDefaults.total_ms,
  idleMs: providerTimeoutDefaults.idle_ms,
};
