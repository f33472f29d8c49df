import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';
import { type UpstreamEvent, type UpstreamRequest, type UpstreamResponse } from './provider.js';
import { openaiCompletion, openaiError, openaiStream } from './test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';
import { UpstreamError } from './upstream-error.js';

const apiKey = 'test-key-not-a-secret';
const chatBody = { model: 'model-a', messages: [{ role: 'user', content: 'Tell me about lighthouses.' }] };

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { body: chatBody, stream: false, signal: new AbortController().signal, requestId: 'req-1', ...overrides };
}

async function collect(response: UpstreamResponse): Promise<UpstreamEvent[]> {
  if (response.kind !== 'stream') throw new Error('expected a stream');
  const events: UpstreamEvent[] = [];
  for await (const event of response.events) events.push(event);
  return events;
}

describe('OpenAI-compatible provider', () => {
  let upstream: TestUpstream;
  let provider: ReturnType<typeof createOpenAICompatibleProvider>;
  beforeAll(async () => {
    upstream = await startTestUpstream();
    provider = createOpenAICompatibleProvider({ name: 'primary', baseUrl: upstream.openaiBaseUrl, apiKey, headers: { 'OpenAI-Organization': 'org-test' } });
  });
  afterEach(() => upstream.reset());
  afterAll(async () => {
    await provider.close();
    await upstream.close();
  });

  it('sends the body as JSON with bearer authentication and returns the parsed answer', async () => {
    upstream.enqueue(openaiCompletion({ text: 'Lighthouses guide ships.', headers: { 'x-upstream-trace': 'trace-1' } }));
    const response = await provider.send(request());
    expect(response).toMatchObject({ kind: 'json', status: 200, body: { choices: [{ message: { content: 'Lighthouses guide ships.' } }] } });
    expect(response.headers['x-upstream-trace']).toBe('trace-1');
    const seen = upstream.requests[0];
    expect(seen?.path).toBe('/v1/chat/completions');
    expect(seen?.body).toEqual(chatBody);
    expect(seen?.headers).toMatchObject({
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'x-request-id': 'req-1',
      'openai-organization': 'org-test',
    });
  });

  it('keeps connections alive between requests', async () => {
    const fresh = createOpenAICompatibleProvider({ name: 'fresh', baseUrl: upstream.openaiBaseUrl });
    try {
      for (let i = 0; i < 6; i++) await fresh.send(request());
      // Back to back, undici may hand the next request to a second connection while the first
      // is still being released; without keep-alive there would be six.
      expect(new Set(upstream.requests.map((seen) => seen.clientPort)).size).toBeLessThanOrEqual(2);
    } finally {
      await fresh.close();
    }
  });

  it('lets request headers add to but never replace authentication', async () => {
    await provider.send(request({ headers: { Authorization: 'Bearer someone-else', 'x-extra': 'yes' } }));
    expect(upstream.requests[0]?.headers).toMatchObject({ authorization: `Bearer ${apiKey}`, 'x-extra': 'yes' });
  });

  it('sends no authorization without a key, and joins paths and query to the base URL', async () => {
    const local = createOpenAICompatibleProvider({ name: 'local', baseUrl: `${upstream.url}/openai/deployments/d1?api-version=2024-10-21` });
    try {
      await local.send(request({ path: '/chat/completions' }));
      expect(upstream.requests[0]?.path).toBe('/openai/deployments/d1/chat/completions?api-version=2024-10-21');
      expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await local.close();
    }
  });

  it('streams events in order and ends after [DONE]', async () => {
    const reply = openaiStream({ text: 'One two three.', toolCalls: [{ name: 'find_ship', arguments: { name: 'Argo' } }], includeUsage: true });
    upstream.enqueue(reply);
    const response = await provider.send(request({ stream: true, body: { ...chatBody, stream: true } }));
    expect(response).toMatchObject({ kind: 'stream', status: 200 });
    expect(response.headers['content-type']).toBe('text/event-stream');
    expect(await collect(response)).toEqual(reply.events);
    expect(upstream.requests[0]?.headers.accept).toBe('text/event-stream');
    expect(await upstream.settled(0)).toBe('completed');
  });

  it('turns an error status into an UpstreamError quoting the provider message', async () => {
    upstream.enqueue(openaiError(400, 'The model field is missing.'));
    const error = await provider.send(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: 'upstream_error',
      status: 502,
      failure: 'status',
      upstreamStatus: 400,
      retryable: false,
      upstreamMessage: 'The model field is missing.',
      message: 'upstream "primary" answered 400: The model field is missing.',
    });
  });

  it('marks 429 and 5xx retryable and reads retry-after', async () => {
    upstream.enqueue(
      openaiError(429, 'Slow down.', { headers: { 'retry-after': '2' } }),
      openaiError(503, 'Busy.', { headers: { 'retry-after-ms': '150' } }),
      openaiError(500, 'Broken for good.', { headers: { 'x-should-retry': 'false' } }),
    );
    await expect(provider.send(request())).rejects.toMatchObject({ upstreamStatus: 429, retryable: true, retryAfterMs: 2000, retryAfter: 2 });
    await expect(provider.send(request())).rejects.toMatchObject({ upstreamStatus: 503, retryable: true, retryAfterMs: 150 });
    await expect(provider.send(request())).rejects.toMatchObject({ upstreamStatus: 500, retryable: false });
  });

  it('cleans and truncates a long provider message, and ignores bodies that are not provider errors', async () => {
    upstream.enqueue(openaiError(400, `Bad\u0007 value\n${'x'.repeat(500)}`), { type: 'raw', status: 502, text: '<html>bad gateway</html>' });
    const first = (await provider.send(request()).catch((caught: unknown) => caught)) as UpstreamError;
    expect(first.upstreamMessage?.startsWith('Bad value x')).toBe(true);
    expect(first.upstreamMessage?.length).toBe(301);
    await expect(provider.send(request())).rejects.toMatchObject({ message: 'upstream "primary" answered 502', upstreamMessage: undefined });
  });
});
