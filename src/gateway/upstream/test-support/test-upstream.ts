/**
 * A scriptable upstream for tests: a real HTTP server on 127.0.0.1 (ephemeral port) speaking
 * OpenAI chat completions and Anthropic messages, and misbehaving on demand.
 *
 *   const upstream = await startTestUpstream();
 *   upstream.enqueue(openaiError(503, 'busy'), openaiStream({ text: 'Hi there.' }));
 *   const provider = createOpenAICompatibleProvider({ name: 'primary', baseUrl: upstream.openaiBaseUrl, ... });
 *   ...
 *   expect(upstream.requests[0]?.body).toMatchObject({ model: 'test-model' });
 *   expect(await upstream.settled(1)).toBe('completed');
 *   await upstream.close();
 *
 * Queued replies answer requests in arrival order; with the queue empty, the fallback answers
 * (default: a success in the format the path implies — `…/chat/completions` or `…/v1/messages`,
 * streamed when the body says `stream: true`, echoing the body's `model`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  anthropicMessage,
  anthropicStream,
  openaiCompletion,
  openaiStream,
  type SseEvent,
  type StreamReply,
  type TestReply,
} from './test-replies.js';

export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** With the query string. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON; undefined when the body is not JSON. */
  body: unknown;
  rawBody: string;
  /** The client's port: equal for two requests when the client kept the connection alive. */
  clientPort: number | undefined;
  /**
   * `completed`: the reply was sent in full; `client_closed`: the client closed the connection
   * first (an abort); `reset`: a scripted reset cut it.
   */
  outcome: 'pending' | 'completed' | 'client_closed' | 'reset';
}

export type ReplyHandler = (request: RecordedRequest) => TestReply;

export interface TestUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** For OpenAI-compatible providers: `<url>/v1`. */
  readonly openaiBaseUrl: string;
  /** For Anthropic providers: the origin. */
  readonly anthropicBaseUrl: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Replies for the next requests, one each, in order. */
  enqueue(...replies: TestReply[]): void;
  /** Answers requests when the queue is empty. */
  setFallback(handler: ReplyHandler): void;
  /** Resolves once request `index` (0-based) has arrived and its body has been read. */
  received(index: number): Promise<RecordedRequest>;
  /** Resolves with the outcome of request `index` once it is over (waits for it to arrive). */
  settled(index: number): Promise<RecordedRequest['outcome']>;
  /** Forgets queued replies and recorded requests; the fallback goes back to the default. */
  reset(): void;
  /** Stops the server, cutting connections still open (hung replies included). */
  close(): Promise<void>;
}

export function defaultReply(request: RecordedRequest): TestReply {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const model = typeof body.model === 'string' ? body.model : undefined;
  const stream = body.stream === true;
  const path = request.path.split('?')[0] ?? '';
  if (path.endsWith('/chat/completions')) {
    const options = body.stream_options;
    const includeUsage = typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
    return stream ? openaiStream({ model, includeUsage }) : openaiCompletion({ model });
  }
  if (path.endsWith('/v1/messages')) return stream ? anthropicStream({ model }) : anthropicMessage({ model });
  return { type: 'json', status: 404, body: { error: { message: `the test upstream has no route ${request.path}`, type: 'not_found' } } };
}

export function formatSseEvent(event: SseEvent): string {
  const name = event.event === undefined ? '' : `event: ${event.event}\n`;
  return `${name}${event.data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferredIn<T>(map: Map<number, Deferred<T>>, index: number): Deferred<T> {
  let deferred = map.get(index);
  if (deferred === undefined) {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((settle) => {
      resolve = settle;
    });
    deferred = { promise, resolve };
    map.set(index, deferred);
  }
  return deferred;
}

export async function startTestUpstream(): Promise<TestUpstream> {
  const queue: TestReply[] = [];
  const requests: RecordedRequest[] = [];
  const arrivals = new Map<number, Deferred<RecordedRequest>>();
  const endings = new Map<number, Deferred<RecordedRequest['outcome']>>();
  let fallback: ReplyHandler = defaultReply;
  const timers = new Set<NodeJS.Timeout>();

  // Resolves after `ms`, or as soon as the client goes away (nothing left to misbehave for).
  const pause = (ms: number, response: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || response.destroyed) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        timers.delete(timer);
        response.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timers.add(timer);
      response.once('close', done);
    });

  // Before an answer, a TCP reset; mid-answer, a plain close (FIN): a reset could make the
  // client's kernel drop events it has not read yet, and the test would count fewer than sent.
  const cutConnection = (record: RecordedRequest, response: ServerResponse, how: 'reset' | 'close'): void => {
    record.outcome = 'reset';
    if (how === 'reset') response.socket?.resetAndDestroy();
    // end() rather than destroy(): the events written just before are still corked in the socket.
    else response.socket?.end();
  };

  async function sendStream(reply: StreamReply, record: RecordedRequest, response: ServerResponse): Promise<void> {
    response.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    response.flushHeaders();
    const limit = reply.cut?.afterEvents ?? reply.events.length;
    for (const [position, event] of reply.events.slice(0, limit).entries()) {
      if (position > 0) await pause(reply.chunkDelayMs ?? 0, response);
      if (response.destroyed) return;
      response.write(formatSseEvent(event));
    }
    const then = reply.cut?.then ?? 'end';
    if (then === 'reset') cutConnection(record, response, 'close');
    else if (then === 'end') response.end();
  }

  async function answer(reply: TestReply, record: RecordedRequest, response: ServerResponse): Promise<void> {
    if (reply.type === 'hang') return;
    await pause(reply.delayMs ?? 0, response);
    if (response.destroyed) return;
    switch (reply.type) {
      case 'reset':
        cutConnection(record, response, 'reset');
        return;
      case 'json':
        response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify(reply.body));
        return;
      case 'raw':
        response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        response.end(reply.text);
        return;
      case 'stream':
        await sendStream(reply, record, response);
        return;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const record: RecordedRequest = {
      index: requests.length,
      method: request.method ?? '',
      path: request.url ?? '',
      headers: {},
      body: undefined,
      rawBody: '',
      clientPort: request.socket.remotePort,
      outcome: 'pending',
    };
    requests.push(record);
    // Taken now: a reset() while this request runs must not resolve a later request's promises.
    const arrival = deferredIn(arrivals, record.index);
    const deferred = deferredIn(endings, record.index);
    response.once('close', () => {
      if (record.outcome === 'pending') record.outcome = response.writableFinished ? 'completed' : 'client_closed';
      deferred.resolve(record.outcome);
    });
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) record.headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    record.rawBody = Buffer.concat(chunks).toString('utf8');
    try {
      record.body = JSON.parse(record.rawBody);
    } catch {
      record.body = undefined;
    }
    arrival.resolve(record);
    await answer(queue.shift() ?? fallback(record), record, response);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      // The client vanished mid-request: the 'close' handler has recorded it already.
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    setFallback: (handler) => {
      fallback = handler;
    },
    received: (index) => deferredIn(arrivals, index).promise,
    settled: (index) => deferredIn(endings, index).promise,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      arrivals.clear();
      endings.clear();
      fallback = defaultReply;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
