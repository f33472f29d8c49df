import { createServer } from 'node:net';
import { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';
import { type ProviderTimeouts, type UpstreamEvent, type UpstreamRequest, type UpstreamResponse } from './provider.js';
import { startSilentTcpServer } from './test-support/silent-tcp-server.js';
import { openaiCompletion, openaiStream } from './test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';

// Transport behaviour shared by both formats, exercised through the OpenAI-compatible provider.

const generous: ProviderTimeouts = { connectMs: 5_000, firstByteMs: 5_000, totalMs: 10_000, idleMs: 5_000 };
const streamBody = { model: 'model-a', stream: true, messages: [{ role: 'user', content: 'Count to ten.' }] };

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { body: { model: 'model-a', messages: [] }, stream: false, signal: new AbortController().signal, requestId: 'req-3', ...overrides };
}

function streamOf(response: UpstreamResponse): AsyncIterable<UpstreamEvent> {
  if (response.kind !== 'stream') throw new Error('expected a stream');
  return response.events;
}

/** Reads a stream to its end or its error; returns what arrived and what was thrown. */
async function drain(response: UpstreamResponse): Promise<{ events: UpstreamEvent[]; error: unknown }> {
  const events: UpstreamEvent[] = [];
  try {
    for await (const event of streamOf(response)) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('HTTP provider transport', () => {
  let upstream: TestUpstream;
  const providers: { close(): Promise<void> }[] = [];
  const provider = (timeouts: Partial<ProviderTimeouts> = {}, baseUrl = upstream.openaiBaseUrl): ReturnType<typeof createOpenAICompatibleProvider> => {
    const created = createOpenAICompatibleProvider({ name: 'primary', baseUrl, timeouts: { ...generous, ...timeouts } });
    providers.push(created);
    return created;
  };

  beforeAll(async () => {
    upstream = await startTestUpstream();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((created) => created.close()));
    upstream.reset();
  });
  afterAll(() => upstream.close());

  it('times out connecting when the TLS handshake never completes', async () => {
    const silent = await startSilentTcpServer();
    try {
      const error = await provider({ connectMs: 100 }, `${silent.httpsUrl}/v1`).send(request()).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'upstream_timeout', status: 504, failure: 'connect_timeout', retryable: true });
      expect(silent.connections()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('reports a refused connection as a retryable upstream_error', async () => {
    const port = await closedPort();
    await expect(provider({}, `http://127.0.0.1:${port}/v1`).send(request())).rejects.toMatchObject({
      code: 'upstream_error',
      failure: 'connection',
      retryable: true,
      message: 'connection to upstream "primary" failed (ECONNREFUSED)',
    });
  });

  it('times out waiting for the first byte and closes the request', async () => {
    upstream.enqueue({ type: 'hang' });
    await expect(provider({ firstByteMs: 100 }).send(request())).rejects.toMatchObject({ code: 'upstream_timeout', failure: 'first_byte_timeout', retryable: true });
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('bounds the whole non-streaming exchange', async () => {
    upstream.enqueue({ type: 'hang' });
    await expect(provider({ totalMs: 100 }).send(request())).rejects.toMatchObject({ code: 'upstream_timeout', failure: 'total_timeout', retryable: true });
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('bounds the start of a stream: headers without a first event', async () => {
    upstream.enqueue({ ...openaiStream(), cut: { afterEvents: 0, then: 'hang' } });
    const error = await provider({ totalMs: 150 }).send(request({ stream: true, body: streamBody })).catch((caught: unknown) => caught);
    // Headers had arrived: the upstream may already be generating, so no blind retry.
    expect(error).toMatchObject({ failure: 'total_timeout', retryable: false, message: 'upstream "primary" did not start its stream within 150 ms' });
  });

  it('times out a stream that goes silent, after the events that arrived', async () => {
    upstream.enqueue({ ...openaiStream({ text: 'a b c d e' }), cut: { afterEvents: 3, then: 'hang' } });
    const response = await provider({ idleMs: 150 }).send(request({ stream: true, body: streamBody }));
    const { events, error } = await drain(response);
    expect(events).toHaveLength(3);
    expect(error).toMatchObject({ code: 'upstream_timeout', failure: 'idle_timeout' });
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('surfaces a connection reset in the middle of a stream to the iterator', async () => {
    upstream.enqueue({ ...openaiStream({ text: 'a b c d e' }), cut: { afterEvents: 2, then: 'reset' } });
    const { events, error } = await drain(await provider().send(request({ stream: true, body: streamBody })));
    expect(events).toHaveLength(2);
    expect(error).toMatchObject({ code: 'upstream_error', failure: 'connection' });
  });

  it('fails the send, retryably, when the connection resets before any answer', async () => {
    upstream.enqueue({ type: 'reset' });
    await expect(provider().send(request())).rejects.toMatchObject({ code: 'upstream_error', failure: 'connection', retryable: true });
    expect(await upstream.settled(0)).toBe('reset');
  });

  it('surfaces a stream that ends without its terminator', async () => {
    upstream.enqueue({ ...openaiStream({ text: 'a b c' }), cut: { afterEvents: 4, then: 'end' } });
    const { events, error } = await drain(await provider().send(request({ stream: true, body: streamBody })));
    expect(events).toHaveLength(4);
    expect(error).toMatchObject({ code: 'upstream_error', failure: 'truncated', message: 'upstream "primary" closed its stream before the end of the answer' });
  });

  it('fails the send, retryably, when a stream ends before any event', async () => {
    upstream.enqueue({ ...openaiStream(), cut: { afterEvents: 0, then: 'end' } });
    await expect(provider().send(request({ stream: true, body: streamBody }))).rejects.toMatchObject({ failure: 'truncated', retryable: true });
  });

  it('rejects a body that is not valid JSON', async () => {
    upstream.enqueue({ type: 'raw', text: '{"id": "chatcmpl-1", "choices": [' });
    await expect(provider().send(request())).rejects.toMatchObject({
      code: 'upstream_error',
      failure: 'invalid_response',
      retryable: false,
      message: 'upstream "primary" answered with a body that is not valid JSON',
    });
  });

  it('rejects a JSON answer to a streaming request', async () => {
    upstream.enqueue(openaiCompletion());
    await expect(provider().send(request({ stream: true, body: streamBody }))).rejects.toMatchObject({ failure: 'invalid_response' });
  });

  it('rejects an answer larger than allowed', async () => {
    const small = createOpenAICompatibleProvider({ name: 'primary', baseUrl: upstream.openaiBaseUrl, maxResponseBytes: 1024 });
    providers.push(small);
    upstream.enqueue(openaiCompletion({ text: 'long '.repeat(1000) }));
    await expect(small.send(request())).rejects.toMatchObject({ failure: 'invalid_response' });
  });

  it('aborts the upstream request when the signal aborts before the answer', async () => {
    upstream.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const sending = provider().send(request({ signal: controller.signal }));
    await upstream.received(0);
    controller.abort();
    await expect(sending).rejects.toMatchObject({ name: 'AbortError' });
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('aborts a running stream when the signal aborts', async () => {
    upstream.enqueue(openaiStream({ text: 'one two three four five six seven eight', chunkDelayMs: 50 }));
    const controller = new AbortController();
    const response = await provider().send(request({ stream: true, body: streamBody, signal: controller.signal }));
    const events: UpstreamEvent[] = [];
    const error = await (async () => {
      for await (const event of streamOf(response)) {
        events.push(event);
        if (events.length === 2) controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(events).toHaveLength(2);
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('aborts the upstream request when the consumer stops iterating early', async () => {
    upstream.enqueue(openaiStream({ text: 'one two three four five six seven eight', chunkDelayMs: 50 }));
    const response = await provider().send(request({ stream: true, body: streamBody }));
    for await (const event of streamOf(response)) {
      expect(event.data).toContain('chat.completion.chunk');
      break;
    }
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('aborts the upstream request when return() is called before iterating', async () => {
    upstream.enqueue(openaiStream({ text: 'one two three four five six seven eight', chunkDelayMs: 50 }));
    const response = await provider().send(request({ stream: true, body: streamBody }));
    await streamOf(response)[Symbol.asyncIterator]().return?.();
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('rejects at once when the signal is already aborted, without calling the upstream', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(provider().send(request({ signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a base URL that is not http(s) or carries credentials', () => {
    expect(() => createOpenAICompatibleProvider({ name: 'x', baseUrl: 'ftp://127.0.0.1/v1' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => createOpenAICompatibleProvider({ name: 'x', baseUrl: 'http://user:pw@127.0.0.1/v1' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => createOpenAICompatibleProvider({ name: 'x', baseUrl: 'not a url' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
