import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic-provider.js';
import { type UpstreamEvent, type UpstreamRequest, type UpstreamResponse } from './provider.js';
import { anthropicError, anthropicErrorEvent, anthropicMessage, anthropicStream } from './test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';

const apiKey = 'test-key-not-a-secret';
const messagesBody = { model: 'model-b', max_tokens: 100, messages: [{ role: 'user', content: 'Describe a tide pool.' }] };

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { body: messagesBody, stream: false, signal: new AbortController().signal, requestId: 'req-2', ...overrides };
}

async function collect(response: UpstreamResponse): Promise<UpstreamEvent[]> {
  if (response.kind !== 'stream') throw new Error('expected a stream');
  const events: UpstreamEvent[] = [];
  for await (const event of response.events) events.push(event);
  return events;
}

describe('Anthropic provider', () => {
  let upstream: TestUpstream;
  let provider: ReturnType<typeof createAnthropicProvider>;
  beforeAll(async () => {
    upstream = await startTestUpstream();
    provider = createAnthropicProvider({ name: 'claude', baseUrl: upstream.anthropicBaseUrl, apiKey });
  });
  afterEach(() => upstream.reset());
  afterAll(async () => {
    await provider.close();
    await upstream.close();
  });

  it('sends x-api-key and anthropic-version to /v1/messages and returns the message', async () => {
    upstream.enqueue(anthropicMessage({ text: 'Small creatures in shallow water.' }));
    const response = await provider.send(request());
    expect(response).toMatchObject({ kind: 'json', status: 200, body: { content: [{ type: 'text', text: 'Small creatures in shallow water.' }] } });
    expect(upstream.requests[0]?.path).toBe('/v1/messages');
    expect(upstream.requests[0]?.body).toEqual(messagesBody);
    expect(upstream.requests[0]?.headers).toMatchObject({ 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'x-request-id': 'req-2' });
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('sends the configured version', async () => {
    const pinned = createAnthropicProvider({ name: 'pinned', baseUrl: upstream.anthropicBaseUrl, apiKey, version: '2024-01-01' });
    try {
      await pinned.send(request());
      expect(upstream.requests[0]?.headers['anthropic-version']).toBe('2024-01-01');
    } finally {
      await pinned.close();
    }
  });

  it('streams the event sequence in order and ends after message_stop', async () => {
    const reply = anthropicStream({ text: 'Crabs and anemones.', toolCalls: [{ name: 'tide_table', arguments: { port: 'Brest' } }] });
    upstream.enqueue(reply);
    const events = await collect(await provider.send(request({ stream: true, body: { ...messagesBody, stream: true } })));
    expect(events).toEqual(reply.events);
    expect(events.map((event) => event.event).slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(events.at(-1)?.event).toBe('message_stop');
  });

  it('turns an overloaded answer into a retryable error', async () => {
    upstream.enqueue(anthropicError(529, 'Overloaded', { type: 'overloaded_error' }));
    await expect(provider.send(request())).rejects.toMatchObject({ upstreamStatus: 529, retryable: true, upstreamMessage: 'Overloaded' });
  });

  it('throws an error event in the middle of a stream from the iterator', async () => {
    const reply = anthropicStream({ text: 'Starting fine then failing.' });
    upstream.enqueue({ ...reply, events: [...reply.events.slice(0, 4), anthropicErrorEvent('overloaded_error', 'Overloaded')] });
    const response = await provider.send(request({ stream: true }));
    const seen: UpstreamEvent[] = [];
    const error = await (async () => {
      if (response.kind !== 'stream') throw new Error('expected a stream');
      for await (const event of response.events) seen.push(event);
    })().catch((caught: unknown) => caught);
    expect(seen).toHaveLength(4);
    expect(error).toMatchObject({ code: 'upstream_error', failure: 'stream_error', retryable: true, message: 'upstream "claude" reported an error in its stream: Overloaded' });
  });

  it('fails the send when the stream opens with an error event, so it can be retried', async () => {
    upstream.enqueue({ type: 'stream', events: [anthropicErrorEvent('overloaded_error', 'Overloaded')] });
    await expect(provider.send(request({ stream: true }))).rejects.toMatchObject({ failure: 'stream_error', retryable: true });
    upstream.enqueue({ type: 'stream', events: [anthropicErrorEvent('invalid_request_error', 'Bad field.')] });
    await expect(provider.send(request({ stream: true }))).rejects.toMatchObject({ failure: 'stream_error', retryable: false });
  });
});
