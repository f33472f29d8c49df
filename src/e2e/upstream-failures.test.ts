import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readAuditEvent, requestIdOf, type AuditEventJson } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';
import { anthropicStream, openaiError, openaiStream } from '../gateway/upstream/test-support/test-replies.js';

// An upstream that is down, failing, slow or garbled: the client gets a clear 5xx naming the
// provider (never its key), retries and the breaker behave as configured, and a stream that
// breaks reaches the SDKs as an error they raise, with the audit event saying what happened.

let upstream: TestUpstream;
let gateway: TestGateway;
/** Generated here so no key-like string sits in the sources; it must never come back out. */
const providerKey = `test-provider-key-${randomBytes(12).toString('hex')}`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  upstream = await startTestUpstream();
  const unbroken = { failures: 1000, cooldown_ms: 60_000 };
  const provider = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0, breaker: unbroken, ...extra });
  gateway = await startTestGateway({
    providerKeys: { refused: providerKey, claude: providerKey },
    document: {
      providers: [
        provider('refused', { base_url: `http://127.0.0.1:${await closedPort()}/v1` }),
        provider('flaky', { retries: 2 }),
        provider('plain', { timeouts: { first_byte_ms: 300, idle_ms: 1000 } }),
        provider('fragile', { breaker: { failures: 2, cooldown_ms: 60_000 } }),
        { name: 'claude', type: 'anthropic', base_url: upstream.anthropicBaseUrl, retries: 0, breaker: unbroken },
      ],
      models: ['refused', 'flaky', 'plain', 'fragile', 'claude'].map((name) => ({ name: `${name}-model`, providers: [name] })),
      // Text reaches the client as soon as it is checked, so a stream can break after some of it was sent.
      streaming: { hold_back_chars: 0, scan_every_chars: 1 },
    },
  });
});

afterEach(() => upstream.reset());

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const openai = (): OpenAI => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Tell me about the weather.' }];
const longText = 'The weather today is mild, with a light breeze from the west and a few clouds over the hills. ';

/** A completion through the OpenAI SDK that must fail: the SDK's error, and the audit event of the request. */
async function failedCompletion(model: string): Promise<{ error: APIError; event: AuditEventJson | undefined }> {
  const error = await openai()
    .chat.completions.create({ model, messages })
    .then(
      () => undefined,
      (caught: unknown) => caught,
    );
  expect(error).toBeInstanceOf(APIError);
  const apiError = error as APIError;
  const requestId = apiError.headers?.get('x-palisade-request-id');
  expect(requestId).toEqual(expect.any(String));
  return { error: apiError, event: await readAuditEvent(gateway, requestId as string) };
}

describe('an upstream that fails before answering', () => {
  it('answers 502 naming the provider, never its key, when the connection is refused', async () => {
    const { error, event } = await failedCompletion('refused-model');
    expect(error).toMatchObject({ status: 502, code: 'upstream_error', type: 'api_error' });
    expect(error.message).toMatch(/connection to upstream "refused" failed \(ECONNREFUSED\)/);
    expect(event).toMatchObject({ status: 502, data: { error: 'upstream_error', upstream: { provider: 'refused', attempts: [{ error: { failure: 'connection' } }] } } });
    const anthropicError = await anthropic()
      .messages.create({ model: 'refused-model', max_tokens: 50, messages })
      .catch((caught: unknown) => caught);
    expect(anthropicError).toBeInstanceOf(Anthropic.InternalServerError);
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(/upstream "refused"/) } });
    expect([JSON.stringify(event), ...gateway.logs].filter((text) => text.includes(providerKey))).toEqual([]);
  });

  it('retries a 500 `retries` times, then answers 502 with the upstream’s reason', async () => {
    upstream.enqueue(openaiError(500, 'the model is on fire'), openaiError(500, 'the model is on fire'), openaiError(500, 'the model is on fire'), openaiError(500, 'not reached'));
    const { error, event } = await failedCompletion('flaky-model');
    expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(error.message).toMatch(/upstream "flaky" answered 500: the model is on fire/);
    // retries: 2 → three attempts, then no more.
    expect(upstream.requests).toHaveLength(3);
    expect(event?.data.upstream).toMatchObject({ provider: 'flaky', attempts: [{ status: 500 }, { status: 500 }, { status: 500 }] });
  });

  it('honours an upstream 429’s retry-after and retries', async () => {
    upstream.enqueue(openaiError(429, 'slow down', { headers: { 'retry-after': '0.1' } }));
    const { data, response } = await openai().chat.completions.create({ model: 'flaky-model', messages }).withResponse();
    expect(data.choices[0]?.message.content).toEqual(expect.any(String));
    expect(upstream.requests).toHaveLength(2);
    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event).toMatchObject({ status: 200, data: { upstream: { attempts: [{ status: 429, delayMs: 100 }, { status: 200 }] } } });
  });

  it('answers 504 when the upstream sends nothing within first_byte_ms, and hangs up on it', async () => {
    upstream.enqueue({ type: 'hang' });
    const { error, event } = await failedCompletion('plain-model');
    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect(error.message).toMatch(/upstream "plain" sent no response within 300 ms/);
    expect(event).toMatchObject({ status: 504, data: { error: 'upstream_timeout' } });
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('opens the breaker after `breaker.failures` failures, then fails fast without calling the upstream', async () => {
    upstream.enqueue(openaiError(500, 'down'), openaiError(500, 'down'));
    expect((await failedCompletion('fragile-model')).error.status).toBe(502);
    expect((await failedCompletion('fragile-model')).error.status).toBe(502);
    const { error, event } = await failedCompletion('fragile-model');
    expect(error).toMatchObject({ status: 503, code: 'upstream_unavailable', type: 'server_error' });
    expect(error.message).toMatch(/circuit open/);
    expect(event).toMatchObject({ status: 503, data: { error: 'upstream_unavailable' } });
    expect(upstream.requests).toHaveLength(2);
    const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { upstreams: { name: string; circuit: string }[] };
    expect(ready.upstreams).toContainEqual({ name: 'fragile', circuit: 'open' });
  });

  it('answers 502 when the upstream’s answer is not JSON', async () => {
    upstream.enqueue({ type: 'raw', text: '{"id": "chatcmpl-1", "choices": [' });
    const { error, event } = await failedCompletion('plain-model');
    expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(error.message).toMatch(/upstream "plain" answered with a body that is not valid JSON/);
    expect(event).toMatchObject({ status: 502, data: { error: 'upstream_error' } });
  });
});

describe('an upstream stream that breaks', () => {
  async function brokenOpenAIStream(cut: { afterEvents: number; then: 'reset' | 'end' }): Promise<void> {
    upstream.enqueue(openaiStream({ text: longText, cut }));
    // `flaky` retries twice before a response starts; a started stream must never be retried.
    const { data: stream, response } = await openai().chat.completions.create({ model: 'flaky-model', messages, stream: true }).withResponse();
    let text = '';
    const reading = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })();
    await expect(reading).rejects.toThrow(APIError);
    const failure = await reading.catch((error: unknown) => error as APIError);
    expect(failure).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/upstream "flaky"/) });
    // Some text had gone out before the break; never all of it.
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(longText.length);
    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event).toMatchObject({ data: { stream: true, error: 'upstream_error', stream_scan: 'upstream_failed' } });
    expect(upstream.requests).toHaveLength(1);
  }

  it('raises an APIError in the OpenAI SDK when the connection resets mid-stream', async () => {
    await brokenOpenAIStream({ afterEvents: 5, then: 'reset' });
  });

  it('raises an APIError in the OpenAI SDK when the stream ends without [DONE]', async () => {
    await brokenOpenAIStream({ afterEvents: 5, then: 'end' });
  });

  it('makes the Anthropic SDK’s stream error when an Anthropic upstream’s stream is cut', async () => {
    upstream.enqueue(anthropicStream({ text: longText, cut: { afterEvents: 5, then: 'reset' } }));
    const stream = anthropic().messages.stream({ model: 'claude-model', max_tokens: 200, messages });
    await expect(stream.finalMessage()).rejects.toThrow(Anthropic.APIError);
    const failure = await stream.finalMessage().catch((error: unknown) => error as InstanceType<typeof Anthropic.APIError>);
    expect(failure).toMatchObject({ error: { type: 'error', error: { type: 'api_error', message: expect.stringMatching(/upstream "claude"/) } } });
    const requestId = (await stream.withResponse()).response.headers.get('x-palisade-request-id');
    const event = await readAuditEvent(gateway, requestId as string);
    expect(event).toMatchObject({ data: { endpoint: 'messages', stream: true, error: 'upstream_error', stream_scan: 'upstream_failed' } });
    expect(upstream.requests).toHaveLength(1);
  });

  it('completes a slow stream whose pauses stay under idle_ms', async () => {
    upstream.enqueue(openaiStream({ text: longText, chunkDelayMs: 25 }));
    const stream = openai().chat.completions.stream({ model: 'plain-model', messages });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(longText);
    expect(final.choices[0]?.finish_reason).toBe('stop');
  });
});
