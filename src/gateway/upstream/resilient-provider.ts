import { setTimeout as delay } from 'node:timers/promises';
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  type IBackoff,
} from 'cockatiel';
import { roundMs } from '../../pipeline/round-ms.js';
import { type Provider, type UpstreamEvent, type UpstreamRequest, type UpstreamResponse } from './provider.js';
import { isRequestRefused, isUpstreamError, UpstreamError, type UpstreamFailure } from './upstream-error.js';

export interface RetryOptions {
  /** Attempts after the first one. Default 2. */
  maxRetries: number;
  /** Scale of the exponential backoff (with decorrelated jitter). Default 250 ms. */
  initialDelayMs: number;
  /** Longest backoff. Default 4 s. */
  maxDelayMs: number;
  /**
   * Longest `retry-after` honoured. An upstream asking for a longer wait is given up on, so the
   * route can move to its next provider instead of holding the client. Default 10 s.
   */
  maxRetryAfterMs: number;
}

export interface BreakerOptions {
  /** Consecutive failed attempts that open the circuit. Default 5. */
  failureThreshold: number;
  /** Cool-down after which one test request may pass (half-open). Default 30 s. */
  halfOpenAfterMs: number;
}

export interface ResilientProviderOptions {
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  /** Waits between attempts; must reject when the signal aborts. Injectable so tests need not wait. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type CircuitStateName = 'closed' | 'open' | 'half-open';

export type AttemptFailure = UpstreamFailure | 'aborted' | 'unexpected';

/** One call to one provider, for logs, metrics and the audit event. */
export interface UpstreamAttempt {
  provider: string;
  /** The upstream's HTTP status, when it answered. */
  status?: number;
  error?: { failure: AttemptFailure; message: string };
  ms: number;
  /** The wait before the next attempt, when there was one. */
  delayMs?: number;
}

export type ResilientOutcome =
  | { ok: true; response: UpstreamResponse; attempts: UpstreamAttempt[] }
  /** `error` is an `UpstreamError`, or the signal's reason when the client went away. */
  | { ok: false; error: unknown; attempts: UpstreamAttempt[] };

export interface ResilientProvider extends Provider {
  readonly provider: Provider;
  /** `half-open` also when the cool-down is over and the next request will be the test. */
  circuitState(): CircuitStateName;
  onCircuitStateChange(listener: (state: CircuitStateName) => void): { dispose(): void };
  /** Never throws for upstream failures: the outcome says what happened, attempt by attempt. */
  execute(request: UpstreamRequest): Promise<ResilientOutcome>;
  /** `execute` for callers that want a `Provider`: throws the final error. */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
}

const defaultRetry: RetryOptions = { maxRetries: 2, initialDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 };
const defaultBreaker: BreakerOptions = { failureThreshold: 5, halfOpenAfterMs: 30_000 };

/** Failures that say the upstream is unwell, as opposed to the request being refused or the client leaving. */
export function countsAgainstUpstream(error: unknown): boolean {
  if (!isUpstreamError(error) || error.failure === 'circuit_open' || isRequestRefused(error)) return false;
  if (error.failure === 'stream_error') return error.retryable;
  return true;
}

const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

function describe(error: unknown, signal: AbortSignal): UpstreamAttempt['error'] {
  if (isUpstreamError(error)) return { failure: error.failure, message: error.message };
  if (signal.aborted) return { failure: 'aborted', message: 'the client aborted the request' };
  return { failure: 'unexpected', message: error instanceof Error ? `${error.name}: ${error.message}` : 'unexpected error' };
}

/** Bounded retries with backoff and a circuit breaker around one provider. */
export function createResilientProvider(provider: Provider, options: ResilientProviderOptions = {}): ResilientProvider {
  const retry: RetryOptions = { ...defaultRetry, ...options.retry };
  const breakerOptions: BreakerOptions = { ...defaultBreaker, ...options.breaker };
  const sleep = options.sleep ?? abortableSleep;
  const backoff = new ExponentialBackoff({ initialDelay: retry.initialDelayMs, maxDelay: retry.maxDelayMs });
  const breaker = circuitBreaker(handleWhen(countsAgainstUpstream), {
    halfOpenAfter: breakerOptions.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(breakerOptions.failureThreshold),
  });
  // cockatiel reports Open until a call arrives after the cool-down; readiness wants to know sooner.
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
  });

  function circuitState(): CircuitStateName {
    switch (breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Open:
        return Date.now() - openedAt >= breakerOptions.halfOpenAfterMs ? 'half-open' : 'open';
      default:
        return 'open';
    }
  }

  function circuitOpen(): UpstreamError {
    return new UpstreamError({
      provider: provider.name,
      failure: 'circuit_open',
      retryable: false,
      message: `upstream "${provider.name}" is unavailable (circuit open after repeated failures)`,
    });
  }

  // A stream that fails after it started cannot be retried, but it still says the upstream is unwell.
  function watchStream(response: UpstreamResponse): UpstreamResponse {
    if (response.kind !== 'stream') return response;
    const inner = response.events[Symbol.asyncIterator]();
    const events: AsyncIterableIterator<UpstreamEvent> = {
      async next() {
        try {
          return await inner.next();
        } catch (error) {
          if (countsAgainstUpstream(error) && breaker.state === CircuitState.Closed) {
            breaker.execute(() => Promise.reject(error)).catch(() => undefined);
          }
          throw error;
        }
      },
      async return() {
        return (await inner.return?.()) ?? { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return { ...response, events };
  }

  async function execute(request: UpstreamRequest): Promise<ResilientOutcome> {
    const { signal } = request;
    const attempts: UpstreamAttempt[] = [];
    let wait: IBackoff<unknown> | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return { ok: false, error: signal.reason, attempts };
      // cockatiel would queue callers behind a half-open test; we send them elsewhere instead.
      if (breaker.state === CircuitState.HalfOpen) {
        const error = circuitOpen();
        attempts.push({ provider: provider.name, error: describe(error, signal), ms: 0 });
        return { ok: false, error, attempts };
      }
      const started = performance.now();
      try {
        const response = await breaker.execute(() => provider.send(request));
        attempts.push({ provider: provider.name, status: response.status, ms: roundMs(performance.now() - started) });
        return { ok: true, response: watchStream(response), attempts };
      } catch (caught) {
        const broken = isBrokenCircuitError(caught);
        const error = broken ? circuitOpen() : caught;
        // An open circuit made no call: its attempt takes no time.
        const record: UpstreamAttempt = { provider: provider.name, error: describe(error, signal), ms: broken ? 0 : roundMs(performance.now() - started) };
        if (isUpstreamError(error) && error.upstreamStatus !== undefined) record.status = error.upstreamStatus;
        attempts.push(record);
        if (signal.aborted) return { ok: false, error: signal.reason, attempts };
        if (!isUpstreamError(error) || !error.retryable || attempt > retry.maxRetries) return { ok: false, error, attempts };
        if (error.retryAfterMs !== undefined && error.retryAfterMs > retry.maxRetryAfterMs) return { ok: false, error, attempts };
        // This failure opened the circuit: waiting to be refused would only delay the fallback.
        if (breaker.state !== CircuitState.Closed) return { ok: false, error, attempts };
        wait = wait === undefined ? backoff.next() : wait.next(undefined);
        record.delayMs = error.retryAfterMs ?? wait.duration;
        try {
          await sleep(record.delayMs, signal);
        } catch {
          return { ok: false, error: signal.aborted ? signal.reason : error, attempts };
        }
      }
    }
  }

  return {
    name: provider.name,
    format: provider.format,
    provider,
    circuitState,
    onCircuitStateChange: (listener) => breaker.onStateChange(() => listener(circuitState())),
    execute,
    async send(request) {
      const outcome = await execute(request);
      if (outcome.ok) return outcome.response;
      throw outcome.error;
    },
  };
}
