import Anthropic from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import OpenAI from 'openai';
import type { ServerSentEvent } from '../server-sent-event.js';

/**
 * The official SDKs, wired to answer every request with one canned HTTP response instead of the
 * network, so tests check that what Palisade renders is what the SDKs parse.
 */

/** Not a credential: the SDKs refuse to start without some key. */
const placeholderKey = 'test-placeholder';

export interface CannedResponse {
  status?: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

function cannedFetch(response: CannedResponse, seen: unknown[]): typeof fetch {
  return async (_input, init) => {
    if (typeof init?.body === 'string') seen.push(JSON.parse(init.body));
    return new Response(response.body, {
      status: response.status ?? 200,
      headers: { 'content-type': response.contentType ?? 'application/json', ...response.headers },
    });
  };
}

/** An OpenAI client whose every call gets `response`; `requests` collects the bodies it sent. */
export function openAIClientAnswering(response: CannedResponse): { client: OpenAI; requests: unknown[] } {
  const requests: unknown[] = [];
  const client = new OpenAI({ apiKey: placeholderKey, baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: cannedFetch(response, requests) });
  return { client, requests };
}

/** An Anthropic client whose every call gets `response`; `requests` collects the bodies it sent. */
export function anthropicClientAnswering(response: CannedResponse): { client: Anthropic; requests: unknown[] } {
  const requests: unknown[] = [];
  const client = new Anthropic({ apiKey: placeholderKey, baseURL: 'http://127.0.0.1:9', maxRetries: 0, fetch: cannedFetch(response, requests) });
  return { client, requests };
}

export function sseResponse(text: string): CannedResponse {
  return { body: text, contentType: 'text/event-stream' };
}

/** SSE text split into events, as the gateway's SSE reader will hand them over. */
export function parseSse(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.event === undefined ? { data: event.data } : { event: event.event, data: event.data }) });
  parser.feed(text);
  parser.reset({ consume: true });
  return events;
}

export async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
