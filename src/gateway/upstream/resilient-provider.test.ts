import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';
import { type UpstreamEvent, type UpstreamRequest } from './provider.js';
import { createResilientProvider, type CircuitStateName, type ResilientProviderOptions } from './resilient-provider.js';
import { openaiCompletion, openaiError, openaiStream } from './test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';

const timeouts = { connectMs: 5_000, firstByteMs: 5_000, totalMs: 10_000, idleMs: 5_000 };

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { body: { model: 'model-a', messages: [] }, stream: false, signal: new AbortController().signal, requestId: 'req-4', ...overrides };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('resilient provider', () => {
  let upstream: TestUpstream;
  const closers: (() => Promise<void>)[] = [];
  let delays: number[];

  /** Retries wait through a recorder, not the clock, unless a test passes its own sleep. */
  function resilient(options: ResilientProviderOptions = {}, providerTimeouts: Partial<typeof timeouts> = {}): ReturnType<typeof createResilientProvider> {
    const provider = createOpenAICompatibleProvider({ name: 'primary', baseUrl: upstream.openaiBaseUrl, timeouts: { ...timeouts, ...providerTimeouts } });
    closers.push(() => provider.close());
    return createResilientProvider(provider, {
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...options,
    });
  }

  beforeAll(async () => {
    upstream = await startTestUpstream();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    upstream.reset();
    delays = [];
  });
  afterAll(() => upstream.close());
  delays = [];

  it('retries a 503 and reports every attempt', async () => {
    upstream.enqueue(openaiError(503, 'Busy.'), openaiError(503, 'Still busy.'), openaiCompletion({ text: 'Finally.' }));
    const outcome = await resilient().execute(request());
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.response).toMatchObject({ kind: 'json', body: { choices: [{ message: { content: 'Finally.' } }] } });
    expect(outcome.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200]);
    expect(outcome.attempts[0]?.error).toEqual({ failure: 'status', message: 'upstream "primary" answered 503: Busy.' });
    expect(outcome.attempts[2]?.error).toBeUndefined();
    expect(upstream.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('gives up after the bounded number of retries with the last error', async () => {
    upstream.enqueue(openaiError(503, 'One.'), openaiError(502, 'Two.'), openaiError(500, 'Three.'), openaiCompletion());
    const outcome = await resilient({ retry: { maxRetries: 2 } }).execute(request());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatchObject({ code: 'upstream_error', upstreamStatus: 500, upstreamMessage: 'Three.' });
    expect(outcome.attempts).toHaveLength(3);
    expect(upstream.requests).toHaveLength(3);
  });

  it('backs off exponentially with jitter, within the configured bounds', async () => {
    upstream.enqueue(openaiError(503, 'a'), openaiError(503, 'b'), openaiError(503, 'c'), openaiError(503, 'd'));
    const outcome = await resilient({ retry: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 400 } }).execute(request());
    expect(outcome.attempts).toHaveLength(4);
    expect(delays).toHaveLength(3);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(400);
    }
    expect(outcome.attempts.slice(0, 3).map((attempt) => attempt.delayMs)).toEqual(delays);
  });

  it('waits as long as retry-after asks', async () => {
    upstream.enqueue(openaiError(429, 'Slow down.', { headers: { 'retry-after': '1' } }), openaiError(503, 'Busy.', { headers: { 'retry-after-ms': '40' } }), openaiCompletion());
    const outcome = await resilient().execute(request());
    expect(outcome.ok).toBe(true);
    expect(delays).toEqual([1000, 40]);
  });

  it('honours a small retry-after with the real clock', async () => {
    upstream.enqueue(openaiError(503, 'Busy.', { headers: { 'retry-after-ms': '30' } }), openaiCompletion());
    const outcome = await resilient({ sleep: undefined }).execute(request());
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts.map((attempt) => attempt.delayMs)).toEqual([30, undefined]);
  });

  it('does not retry when retry-after is beyond the cap', async () => {
    upstream.enqueue(openaiError(429, 'Come back in a minute.', { headers: { 'retry-after': '60' } }), openaiCompletion());
    const outcome = await resilient({ retry: { maxRetryAfterMs: 5_000 } }).execute(request());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatchObject({ upstreamStatus: 429, retryAfterMs: 60_000 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('does not retry a refused request (400)', async () => {
    upstream.enqueue(openaiError(400, 'Unknown parameter.'), openaiCompletion());
    const outcome = await resilient().execute(request());
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toEqual([{ provider: 'primary', status: 400, error: { failure: 'status', message: 'upstream "primary" answered 400: Unknown parameter.' }, ms: expect.any(Number) }]);
    expect(upstream.requests).toHaveLength(1);
  });

  it('retries a connection reset and a timeout before the first byte', async () => {
    upstream.enqueue({ type: 'reset' }, { type: 'hang' }, openaiCompletion());
    const outcome = await resilient({}, { totalMs: 150 }).execute(request());
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts.map((attempt) => attempt.error?.failure)).toEqual(['connection', 'total_timeout', undefined]);
  });

  it('retries a stream that fails before its first event', async () => {
    upstream.enqueue({ type: 'reset' }, openaiStream({ text: 'Recovered.' }));
    const outcome = await resilient().execute(request({ stream: true }));
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts).toHaveLength(2);
  });

  it('never retries once a stream has started: the failure reaches the iterator', async () => {
    upstream.enqueue({ ...openaiStream({ text: 'one two three four' }), cut: { afterEvents: 2, then: 'reset' } }, openaiStream());
    const outcome = await resilient().execute(request({ stream: true }));
    if (!outcome.ok || outcome.response.kind !== 'stream') throw new Error('expected a stream');
    const events: UpstreamEvent[] = [];
    const error = await (async () => {
      for await (const event of outcome.response.kind === 'stream' ? outcome.response.events : []) events.push(event);
    })().catch((caught: unknown) => caught);
    expect(events).toHaveLength(2);
    expect(error).toMatchObject({ code: 'upstream_error', failure: 'connection' });
    expect(upstream.requests).toHaveLength(1);
    expect(outcome.attempts).toHaveLength(1);
  });

  it('does not retry when the client aborts, and stops waiting at once during a backoff', async () => {
    upstream.enqueue({ type: 'hang' });
    const first = new AbortController();
    const running = resilient().execute(request({ signal: first.signal }));
    await upstream.received(0);
    first.abort();
    const aborted = await running;
    expect(aborted.ok).toBe(false);
    expect(!aborted.ok && aborted.error).toMatchObject({ name: 'AbortError' });
    expect(aborted.attempts.map((attempt) => attempt.error?.failure)).toEqual(['aborted']);

    upstream.enqueue(openaiError(503, 'Busy.', { headers: { 'retry-after': '9' } }));
    const second = new AbortController();
    const waiting = resilient({ sleep: undefined }).execute(request({ signal: second.signal }));
    await upstream.settled(1);
    second.abort();
    const outcome = await waiting;
    expect(!outcome.ok && outcome.error).toMatchObject({ name: 'AbortError' });
    expect(upstream.requests).toHaveLength(2);
  });

  it('opens the circuit after consecutive failures and then fails fast', async () => {
    const provider = resilient({ retry: { maxRetries: 0 }, breaker: { failureThreshold: 3, halfOpenAfterMs: 60_000 } });
    const states: CircuitStateName[] = [];
    provider.onCircuitStateChange((state) => states.push(state));
    upstream.setFallback(() => openaiError(500, 'Down.'));
    for (let i = 0; i < 3; i++) await provider.execute(request());
    expect(provider.circuitState()).toBe('open');
    expect(states).toEqual(['open']);
    const outcome = await provider.execute(request());
    expect(!outcome.ok && outcome.error).toMatchObject({ code: 'upstream_unavailable', status: 503, failure: 'circuit_open' });
    expect(outcome.attempts).toEqual([{ provider: 'primary', error: { failure: 'circuit_open', message: expect.stringContaining('circuit open') }, ms: 0 }]);
    expect(upstream.requests).toHaveLength(3);
  });

  it('stops retrying when the circuit opens during the retries', async () => {
    upstream.setFallback(() => openaiError(503, 'Down.'));
    const outcome = await resilient({ retry: { maxRetries: 5 }, breaker: { failureThreshold: 2 } }).execute(request());
    expect(outcome.attempts.map((attempt) => attempt.status)).toEqual([503, 503]);
    expect(!outcome.ok && outcome.error).toMatchObject({ failure: 'status', upstreamStatus: 503 });
    expect(delays).toHaveLength(1);
    expect(upstream.requests).toHaveLength(2);
  });

  it('half-opens after the cool-down: a success closes it, a failure opens it again', async () => {
    const provider = resilient({ retry: { maxRetries: 0 }, breaker: { failureThreshold: 1, halfOpenAfterMs: 50 } });
    upstream.enqueue(openaiError(500, 'Down.'));
    await provider.execute(request());
    expect(provider.circuitState()).toBe('open');
    await pause(60);
    expect(provider.circuitState()).toBe('half-open');
    upstream.enqueue(openaiError(500, 'Still down.'));
    expect((await provider.execute(request())).attempts[0]?.status).toBe(500);
    expect(provider.circuitState()).toBe('open');
    await pause(60);
    const outcome = await provider.execute(request());
    expect(outcome.ok).toBe(true);
    expect(provider.circuitState()).toBe('closed');
  });

  it('sends other requests elsewhere while the half-open test runs', async () => {
    const provider = resilient({ retry: { maxRetries: 0 }, breaker: { failureThreshold: 1, halfOpenAfterMs: 50 } });
    upstream.enqueue(openaiError(500, 'Down.'), { ...openaiCompletion(), delayMs: 200 });
    await provider.execute(request());
    await pause(60);
    const test = provider.execute(request());
    await upstream.received(1);
    const meanwhile = await provider.execute(request());
    expect(!meanwhile.ok && meanwhile.error).toMatchObject({ failure: 'circuit_open' });
    expect((await test).ok).toBe(true);
    expect(provider.circuitState()).toBe('closed');
    expect(upstream.requests).toHaveLength(2);
  });

  it('does not count refused requests or aborts against the upstream', async () => {
    const provider = resilient({ retry: { maxRetries: 0 }, breaker: { failureThreshold: 2 } });
    upstream.enqueue(openaiError(400, 'Bad.'), openaiError(422, 'Bad again.'));
    await provider.execute(request());
    await provider.execute(request());
    const controller = new AbortController();
    controller.abort();
    await provider.execute(request({ signal: controller.signal }));
    expect(provider.circuitState()).toBe('closed');
  });

  it('counts a stream that fails after it started against the upstream', async () => {
    const provider = resilient({ retry: { maxRetries: 0 }, breaker: { failureThreshold: 1 } });
    upstream.enqueue({ ...openaiStream({ text: 'one two three' }), cut: { afterEvents: 2, then: 'end' } });
    const outcome = await provider.execute(request({ stream: true }));
    if (!outcome.ok || outcome.response.kind !== 'stream') throw new Error('expected a stream');
    expect(provider.circuitState()).toBe('closed');
    await expect(
      (async () => {
        for await (const _event of outcome.response.kind === 'stream' ? outcome.response.events : []);
      })(),
    ).rejects.toMatchObject({ failure: 'truncated' });
    expect(provider.circuitState()).toBe('open');
  });

  it('is a Provider: send() returns the response or throws the final error', async () => {
    const provider = resilient({ retry: { maxRetries: 0 } });
    upstream.enqueue(openaiCompletion(), openaiError(400, 'No.'));
    expect((await provider.send(request())).status).toBe(200);
    await expect(provider.send(request())).rejects.toMatchObject({ upstreamStatus: 400 });
    expect(provider).toMatchObject({ name: 'primary', format: 'openai' });
  });
});
