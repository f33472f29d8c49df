import { type Readable } from 'node:stream';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { type UpstreamEvent } from './provider.js';
import { UpstreamError } from './upstream-error.js';

export interface SseEventStreamOptions {
  provider: string;
  body: Readable;
  /** The format's last event (`data: [DONE]`, `message_stop`): the answer is complete after it. */
  isTerminator(event: UpstreamEvent): boolean;
  /** An error the upstream reports inside the stream, thrown instead of passed on. */
  eventError?(event: UpstreamEvent): UpstreamError | undefined;
  /** Turns what reading the body threw into what the consumer should see. */
  mapError(error: unknown): unknown;
  /** Called once when the stream is over, whatever the reason: frees timers and listeners. */
  release(): void;
}

// A single event larger than this is not an LLM delta: stop before it exhausts memory.
const maxEventChars = 8 * 1024 * 1024;
// After the terminator the rest is read (and thrown away) so the connection can be reused;
// anything bigger than this closes it instead.
const maxDrainBytes = 64 * 1024;

/**
 * Server-sent events read from an upstream body. Hand-written iterator rather than an async
 * generator: `return()` on a generator that has not started skips its `finally`, and an
 * abandoned stream must always free its connection.
 */
export class SseEventStream implements AsyncIterableIterator<UpstreamEvent> {
  readonly #options: SseEventStreamOptions;
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #decoder = new TextDecoder();
  readonly #parser: EventSourceParser;
  readonly #queue: UpstreamEvent[] = [];
  #parseError: UpstreamError | undefined;
  #terminated = false;
  #finished = false;

  constructor(options: SseEventStreamOptions) {
    this.#options = options;
    this.#chunks = options.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.#parser = createParser({
      maxBufferSize: maxEventChars,
      onEvent: (message) => {
        this.#queue.push(message.event === undefined ? { data: message.data } : { event: message.event, data: message.data });
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') {
          this.#parseError = new UpstreamError({
            provider: options.provider,
            failure: 'invalid_response',
            retryable: false,
            message: `upstream "${options.provider}" sent an event larger than allowed`,
          });
        }
      },
    });
  }

  /**
   * Waits for the first event (still under the caller's start-of-stream timer) and keeps it for
   * `next()`. Throws like `next()`; an upstream that ends its stream before any event is
   * truncated but retryable, since nothing has reached the client.
   */
  async start(): Promise<void> {
    const event = await this.#read();
    if (event === undefined) {
      throw new UpstreamError({
        provider: this.#options.provider,
        failure: 'truncated',
        retryable: true,
        message: `upstream "${this.#options.provider}" closed its stream before sending any event`,
      });
    }
    const reported = this.#options.eventError?.(event);
    if (reported !== undefined) throw reported;
    this.#queue.unshift(event);
  }

  async next(): Promise<IteratorResult<UpstreamEvent>> {
    if (this.#finished) return { done: true, value: undefined };
    if (this.#terminated) {
      this.#finish('drain');
      return { done: true, value: undefined };
    }
    let event: UpstreamEvent | undefined;
    try {
      event = await this.#read();
    } catch (error) {
      this.#finish('destroy');
      throw this.#options.mapError(error);
    }
    if (event === undefined) {
      this.#finish('ended');
      throw new UpstreamError({
        provider: this.#options.provider,
        failure: 'truncated',
        retryable: false,
        message: `upstream "${this.#options.provider}" closed its stream before the end of the answer`,
      });
    }
    const reported = this.#options.eventError?.(event);
    if (reported !== undefined) {
      this.#finish('destroy');
      throw reported;
    }
    if (this.#options.isTerminator(event)) this.#terminated = true;
    return { done: false, value: event };
  }

  /** The consumer stopped early: abort the upstream request. */
  async return(): Promise<IteratorResult<UpstreamEvent>> {
    if (!this.#finished) this.#finish(this.#terminated ? 'drain' : 'destroy');
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Undefined when the body ended. Throws what the body threw. */
  async #read(): Promise<UpstreamEvent | undefined> {
    for (;;) {
      if (this.#parseError !== undefined) throw this.#parseError;
      const queued = this.#queue.shift();
      if (queued !== undefined) return queued;
      const chunk = await this.#chunks.next();
      if (chunk.done === true) {
        this.#parser.feed(this.#decoder.decode());
        const last = this.#queue.shift();
        return last;
      }
      this.#parser.feed(this.#decoder.decode(chunk.value, { stream: true }));
    }
  }

  #finish(how: 'drain' | 'destroy' | 'ended'): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.release();
    const { body } = this.#options;
    if (how === 'destroy') body.destroy();
    else if (how === 'drain') void this.#drain();
  }

  async #drain(): Promise<void> {
    let bytes = 0;
    try {
      for (;;) {
        const chunk = await this.#chunks.next();
        if (chunk.done === true) return;
        bytes += chunk.value.length;
        if (bytes > maxDrainBytes) {
          this.#options.body.destroy();
          return;
        }
      }
    } catch {
      // The answer was complete; a failure after its terminator changes nothing for the client.
    }
  }
}
