import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic-provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';
import { type ProviderTimeouts } from './provider.js';
import { createResilientProvider, type ResilientProvider } from './resilient-provider.js';
import { createRouteRunner, RouteFailedError, type RouteRun } from './route-runner.js';
import { anthropicMessage, anthropicStream, openaiError } from './test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';

const apiKey = 'test-key-not-a-secret';
const timeouts: ProviderTimeouts = { connectMs: 5_000, firstByteMs: 5_000, totalMs: 10_000, idleMs: 5_000 };
const noWait = async (): Promise<void> => undefined;

describe('route runner', () => {
  let primaryUpstream: TestUpstream;
  let secondaryUpstream: TestUpstream;
  const closers: (() => Promise<void>)[] = [];

  function openaiPrimary(options: { failureThreshold?: number; totalMs?: number } = {}): ResilientProvider {
    const provider = createOpenAICompatibleProvider({ name: 'primary', baseUrl: primaryUpstream.openaiBaseUrl, apiKey, timeouts: { ...timeouts, totalMs: options.totalMs ?? timeouts.totalMs } });
    closers.push(() => provider.close());
    return createResilientProvider(provider, { sleep: noWait, breaker: { failureThreshold: options.failureThreshold ?? 5, halfOpenAfterMs: 60_000 } });
  }
  function anthropicSecondary(options: { failureThreshold?: number; totalMs?: number } = {}): ResilientProvider {
    const provider = createAnthropicProvider({ name: 'secondary', baseUrl: secondaryUpstream.anthropicBaseUrl, apiKey, timeouts: { ...timeouts, totalMs: options.totalMs ?? timeouts.totalMs } });
    closers.push(() => provider.close());
    return createResilientProvider(provider, { sleep: noWait, breaker: { failureThreshold: options.failureThreshold ?? 5, halfOpenAfterMs: 60_000 } });
  }

  // The caller's request translated into each provider's own format.
  const prepare: RouteRun['prepare'] = (provider) =>
    provider.format === 'openai'
      ? { body: { model: 'model-a', messages: [{ role: 'user', content: 'Hello?' }] }, stream: false, requestId: 'req-5' }
      : { body: { model: 'model-b', max_tokens: 50, messages: [{ role: 'user', content: 'Hello?' }] }, stream: false, requestId: 'req-5' };
  const signal = (): AbortSignal => new AbortController().signal;

  beforeAll(async () => {
    primaryUpstream = await startTestUpstream();
    secondaryUpstream = await startTestUpstream();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    primaryUpstream.reset();
    secondaryUpstream.reset();
  });
  afterAll(async () => {
    await primaryUpstream.close();
    await secondaryUpstream.close();
  });

  it('answers from the primary when it is healthy', async () => {
    const runner = createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary()] });
    const result = await runner.run({ prepare, signal: signal() });
    expect(result.provider.name).toBe('primary');
    expect(result.response.kind).toBe('json');
    expect(result.attempts).toEqual([{ provider: 'primary', status: 200, ms: expect.any(Number) }]);
    expect(secondaryUpstream.requests).toHaveLength(0);
  });

  it('falls back to the next provider, in its own format, once the primary has used its retries', async () => {
    primaryUpstream.setFallback(() => openaiError(503, 'Busy.'));
    secondaryUpstream.enqueue(anthropicMessage({ text: 'From the fallback.' }));
    const result = await createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary()] }).run({ prepare, signal: signal() });
    expect(result.provider).toMatchObject({ name: 'secondary', format: 'anthropic' });
    expect(result.response).toMatchObject({ kind: 'json', body: { content: [{ type: 'text', text: 'From the fallback.' }] } });
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.status])).toEqual([
      ['primary', 503],
      ['primary', 503],
      ['primary', 503],
      ['secondary', 200],
    ]);
    expect(secondaryUpstream.requests[0]).toMatchObject({ path: '/v1/messages', body: { model: 'model-b', max_tokens: 50 } });
  });

  it('falls back on 429 too', async () => {
    primaryUpstream.setFallback(() => openaiError(429, 'Quota.', { headers: { 'retry-after': '120' } }));
    const result = await createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary()] }).run({ prepare, signal: signal() });
    expect(result.provider.name).toBe('secondary');
    expect(primaryUpstream.requests).toHaveLength(1);
  });

  it('goes straight to the fallback while the primary circuit is open', async () => {
    const primary = openaiPrimary({ failureThreshold: 1 });
    const runner = createRouteRunner({ providers: [primary, anthropicSecondary()] });
    primaryUpstream.enqueue(openaiError(500, 'Down.'));
    await runner.run({ prepare, signal: signal() });
    expect(primary.circuitState()).toBe('open');
    const result = await runner.run({ prepare, signal: signal() });
    expect(result.provider.name).toBe('secondary');
    expect(result.attempts[0]).toEqual({ provider: 'primary', error: { failure: 'circuit_open', message: expect.any(String) }, ms: 0 });
    expect(primaryUpstream.requests).toHaveLength(1);
  });

  it('does not fall back when the request itself is refused', async () => {
    primaryUpstream.enqueue(openaiError(400, 'Unsupported parameter: temperature.'));
    const error = await createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary()] })
      .run({ prepare, signal: signal() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RouteFailedError);
    expect(error).toMatchObject({ code: 'upstream_error', upstreamStatus: 400, message: 'upstream "primary" answered 400: Unsupported parameter: temperature.' });
    expect((error as RouteFailedError).attempts).toHaveLength(1);
    expect(secondaryUpstream.requests).toHaveLength(0);
  });

  it('reports the last failure, naming every provider tried, when all fail', async () => {
    primaryUpstream.setFallback(() => openaiError(503, 'Busy.'));
    secondaryUpstream.setFallback(() => ({ type: 'hang' }));
    const runner = createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary({ totalMs: 100 })] });
    const error = (await runner.run({ prepare, signal: signal() }).catch((caught: unknown) => caught)) as RouteFailedError;
    expect(error).toBeInstanceOf(RouteFailedError);
    expect(error).toMatchObject({ code: 'upstream_timeout', status: 504, failure: 'total_timeout', provider: 'secondary' });
    expect(error.message).toBe(
      'no provider of the route could answer (tried primary, secondary); last failure: upstream "secondary" did not answer within 100 ms',
    );
    expect(error.message).not.toContain(apiKey);
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['primary', 'primary', 'primary', 'secondary', 'secondary', 'secondary']);
  });

  it('reports upstream_unavailable when every circuit is open', async () => {
    const runner = createRouteRunner({ providers: [openaiPrimary({ failureThreshold: 1 }), anthropicSecondary({ failureThreshold: 1 })] });
    primaryUpstream.setFallback(() => openaiError(500, 'Down.'));
    secondaryUpstream.setFallback(() => ({ type: 'reset' }));
    await expect(runner.run({ prepare, signal: signal() })).rejects.toMatchObject({ code: 'upstream_error' });
    const error = await runner.run({ prepare, signal: signal() }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'upstream_unavailable',
      status: 503,
      message: 'every provider of the route is unavailable (circuit open): primary, secondary',
    });
    expect(primaryUpstream.requests).toHaveLength(1);
    expect(secondaryUpstream.requests).toHaveLength(1);
  });

  it('stops at once when the client aborts: no fallback', async () => {
    primaryUpstream.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const running = createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary()] }).run({ prepare, signal: controller.signal });
    await primaryUpstream.received(0);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(await primaryUpstream.settled(0)).toBe('client_closed');
    expect(secondaryUpstream.requests).toHaveLength(0);
  });

  it('falls back for a stream that cannot start, then streams from the fallback', async () => {
    primaryUpstream.setFallback(() => ({ type: 'reset' }));
    const reply = anthropicStream({ text: 'Streamed by the fallback.' });
    secondaryUpstream.enqueue(reply);
    const result = await createRouteRunner({ providers: [openaiPrimary(), anthropicSecondary()] }).run({
      prepare: (provider) => ({ ...prepare(provider), stream: true }),
      signal: signal(),
    });
    expect(result.provider.name).toBe('secondary');
    if (result.response.kind !== 'stream') throw new Error('expected a stream');
    const events = [];
    for await (const event of result.response.events) events.push(event);
    expect(events).toEqual(reply.events);
  });

  it('needs at least one provider', () => {
    expect(() => createRouteRunner({ providers: [] })).toThrow('at least one provider');
  });
});
