import { connect, type Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AuditEventJson } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';
import { openaiCompletion, openaiStream } from '../gateway/upstream/test-support/test-replies.js';

// Clients that misbehave: too slow to send their request (slow-loris), or gone before the answer.

const headerTimeoutMs = 300;
const requestTimeoutMs = 600;
/** Turns a gateway that never cuts a slow client into a failure, well above the timeouts. */
const hangBoundMs = 5000;

let upstream: TestUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      server: { header_timeout_ms: headerTimeoutMs, request_timeout_ms: requestTimeoutMs },
      providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [{ name: 'test-model', providers: ['primary'] }],
      // Text reaches the client as soon as it arrives, so "mid-stream" is well defined.
      streaming: { hold_back_chars: 0, scan_every_chars: 1 },
    },
  });
});

afterEach(() => upstream.reset());

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const client = (): OpenAI => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Tell me a long story.' }];

/** A raw connection to the gateway; resolves, once the gateway closes it, with everything it said. */
function openSocket(): Promise<{ socket: Socket; closed: Promise<{ received: string; afterMs: number }> }> {
  const { port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
      const opened = performance.now();
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      const closed = new Promise<{ received: string; afterMs: number }>((settle, fail) => {
        const bound = setTimeout(() => fail(new Error(`the gateway kept a slow client for more than ${hangBoundMs} ms`)), hangBoundMs);
        socket.on('close', () => {
          clearTimeout(bound);
          settle({ received, afterMs: performance.now() - opened });
        });
      });
      resolve({ socket, closed });
    });
    socket.on('error', reject);
  });
}

/** The newest request event with `status` that `matches`; waits for it, as a client gone away is audited after it left. */
async function auditedRequest(status: number, matches: (event: AuditEventJson) => boolean = () => true): Promise<AuditEventJson> {
  return vi.waitFor(
    async () => {
      const response = await fetch(`${gateway.url}/admin/v1/audit/events?type=request&status=${status}`, { headers: { authorization: `Bearer ${gateway.key}` } });
      const page = (await response.json()) as { data: AuditEventJson[] };
      const event = page.data.find(matches);
      if (event === undefined) throw new Error(`no audit event with status ${status} yet`);
      return event;
    },
    { timeout: 3000, interval: 20 },
  );
}

/** Node's 408, in the OpenAI envelope with a stable code and a request id, then the connection closed. */
function expectTimeoutResponse(received: string): void {
  const [head = '', body = ''] = received.split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(head).toMatch(/\r\nx-palisade-request-id: [0-9a-f-]{36}(\r\n|$)/);
  expect(head).toMatch(/\r\nconnection: close(\r\n|$)/);
  expect(JSON.parse(body)).toEqual({ error: { message: expect.stringMatching(/not received in time/), type: 'invalid_request_error', param: null, code: 'request_timeout' } });
}

describe('slow clients', () => {
  it('cuts off a client that sends its headers too slowly, while others are served', async () => {
    const { socket, closed } = await openSocket();
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: palisade\r\nContent-Ty');
    // The stalled connection holds nothing up.
    const completion = await client().chat.completions.create({ model: 'test-model', messages });
    expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
    expectTimeoutResponse((await closed).received);
  });

  it('cuts off a client that sends its body too slowly', async () => {
    const { socket, closed } = await openSocket();
    const body = JSON.stringify({ model: 'test-model', messages });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: palisade\r\nAuthorization: Bearer ${gateway.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    const completion = await client().chat.completions.create({ model: 'test-model', messages });
    expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
    expectTimeoutResponse((await closed).received);
    // The request had started: the log holds it, as the timeout it was.
    expect(await auditedRequest(408)).toMatchObject({ data: { endpoint: 'chat.completions', error: 'request_timeout' } });
    expect(upstream.requests).toHaveLength(1);
    expect(gateway.logs.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });

  it('audits a client that leaves in the middle of its body as 499', async () => {
    const { socket, closed } = await openSocket();
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: palisade\r\nAuthorization: Bearer ${gateway.key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":`);
    socket.destroy();
    await closed;
    expect(await auditedRequest(499, (event) => event.data.stream === undefined)).toMatchObject({ data: { endpoint: 'chat.completions', error: 'invalid_request' } });
    expect(gateway.logs.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });
});

describe('clients that go away', () => {
  it('closes the upstream stream when the client aborts mid-stream, and audits a 499', async () => {
    upstream.enqueue(openaiStream({ text: 'Once upon a time there was a gateway that never gave up on a stream. '.repeat(20), chunkDelayMs: 20 }));
    const abort = new AbortController();
    const stream = await client().chat.completions.create({ model: 'test-model', messages, stream: true }, { signal: abort.signal });
    let text = '';
    // The SDK ends the iteration quietly when its signal aborts.
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text.length > 20) abort.abort();
    }
    expect(text.length).toBeLessThan(200);
    expect(await upstream.settled(0)).toBe('client_closed');
    expect(await auditedRequest(499, (event) => event.data.stream === true)).toMatchObject({ status: 499, model: 'test-model', data: { stream_scan: 'client_closed' } });
  });

  it('aborts the upstream call when the client gives up on a slow non-streaming request', async () => {
    upstream.enqueue(openaiCompletion({ delayMs: 10_000 }));
    const abort = new AbortController();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'Answer slowly.' }] }),
      signal: abort.signal,
    });
    await upstream.received(0);
    abort.abort();
    await expect(pending).rejects.toThrow();
    expect(await upstream.settled(0)).toBe('client_closed');
    expect(await auditedRequest(499, (event) => event.data.stream === false)).toMatchObject({ status: 499, model: 'test-model' });
    // And the gateway still serves.
    expect((await client().chat.completions.create({ model: 'test-model', messages })).choices).toHaveLength(1);
  });
});

describe('streams that run too long or are not read', () => {
  let slowGateway: TestGateway;
  const stallMs = 400;
  const maxDurationMs = 2500;

  beforeAll(async () => {
    slowGateway = await startTestGateway({
      document: {
        providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
        models: [{ name: 'test-model', providers: ['primary'] }],
        // Large scan steps: the unread stream below is megabytes long.
        streaming: { hold_back_chars: 0, scan_every_chars: 65_536, client_stall_ms: stallMs, max_duration_ms: maxDurationMs },
      },
    });
  });

  afterAll(async () => {
    await slowGateway?.close();
  });

  /** An OpenAI stream of `count` chunks of `size` characters each. */
  function bigStream(options: { count: number; size: number; chunkDelayMs?: number }): Parameters<TestUpstream['enqueue']>[0] {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      data: JSON.stringify({ id: 'chatcmpl-big', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }),
    });
    const piece = 'all work and no play '.repeat(Math.ceil(options.size / 21)).slice(0, options.size);
    const events = [chunk({ role: 'assistant', content: '' }), ...Array.from({ length: options.count }, () => chunk({ content: piece })), chunk({}, 'stop'), { data: '[DONE]' }];
    return { type: 'stream', events, ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }) };
  }

  it('cuts off a client that stops reading a stream, and audits it as gone', async () => {
    // Far more than loopback socket buffers hold, so the gateway's writes must wait for the client.
    upstream.enqueue(bigStream({ count: 400, size: 64 * 1024 }));
    const { port } = new URL(slowGateway.url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => {});
    const body = JSON.stringify({ model: 'test-model', stream: true, messages });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: palisade\r\nAuthorization: Bearer ${slowGateway.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // A paused socket reads nothing more (and so never sees its own close): the gateway is what is watched.
    socket.pause();
    try {
      const event = await vi.waitFor(
        async () => {
          const response = await fetch(`${slowGateway.url}/admin/v1/audit/events?type=request&status=499`, { headers: { authorization: `Bearer ${slowGateway.key}` } });
          const found = ((await response.json()) as { data: AuditEventJson[] }).data[0];
          if (found === undefined) throw new Error('the gateway has not given up on the client that reads nothing');
          return found;
        },
        { timeout: hangBoundMs, interval: 50 },
      );
      expect(event).toMatchObject({ status: 499, data: { stream: true, stream_scan: 'client_closed' } });
    } finally {
      socket.destroy();
    }
  });

  it('ends a stream that runs longer than max_duration_ms with an error the SDK raises', async () => {
    // About six seconds of words: the deadline stops it well before.
    upstream.enqueue(openaiStream({ text: 'A slow answer that keeps going, one word at a time, for far too long. '.repeat(8), chunkDelayMs: 50 }));
    const started = performance.now();
    const { data: stream, response } = await new OpenAI({ baseURL: `${slowGateway.url}/v1`, apiKey: slowGateway.key, maxRetries: 0 }).chat.completions.create({ model: 'test-model', messages, stream: true }).withResponse();
    const reading = (async () => {
      for await (const chunk of stream) void chunk;
    })();
    await expect(reading).rejects.toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining('max_duration_ms') });
    expect(performance.now() - started).toBeLessThan(hangBoundMs);
    expect(performance.now() - started).toBeGreaterThanOrEqual(maxDurationMs);
    expect(await upstream.settled(0)).toBe('client_closed');
    const requestId = response.headers.get('x-palisade-request-id') as string;
    const audited = await fetch(`${slowGateway.url}/admin/v1/audit/events?id=${requestId}`, { headers: { authorization: `Bearer ${slowGateway.key}` } });
    expect(((await audited.json()) as { data: AuditEventJson[] }).data[0]).toMatchObject({ data: { stream: true, stream_scan: 'upstream_failed', error: 'upstream_timeout' } });
  });
});
