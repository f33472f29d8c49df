/**
 * Webhook delivery of alerts, safe to call from the request path: `send` only renders the alert
 * and puts one delivery per target in a bounded in-process queue, then returns. It never waits
 * and never throws.
 *
 * - The queue holds at most `queueSize` deliveries; when full, the oldest is dropped (counted in
 *   `dropped`): during an alert storm the newest say most about now.
 * - `concurrency` deliveries run at once, each POSTing with undici. A 5xx, 408 or 429 answer, a
 *   timeout (`timeoutMs` per attempt) or a connection error is retried with exponential backoff
 *   and jitter: the wait before retry n is in [d/2, d), d = min(maxMs, baseMs × 2^(n-1))
 *   (cockatiel's half-jitter generator), or the target's `Retry-After` when longer, up to
 *   `maxMs`. After `attempts` attempts it gives up (counted in `failed`). Any other answer is
 *   final at once (a 4xx will not get better; redirects are not followed).
 * - Each final outcome is reported to `onDelivery` (for logs and metrics), after the counts
 *   include it. Reports name a target by its `name` or its origin, never its full URL: a Slack
 *   webhook's path is its secret. An alert that is malformed, or that a target's format cannot
 *   render, is counted in `failed` (once per target) without a report: there was no delivery.
 * - Options are checked when the sender is built (an `invalid_argument` error naming the option,
 *   never quoting a URL or header), so a bad configuration fails at start-up, not per alert.
 * - `close` stops accepting, waits for the queue to drain until its deadline, then abandons what
 *   is left (counted in `abandoned`) and resolves; it never rejects.
 *
 * Delivery is at most once per attempt that the target acknowledges, at least once otherwise: a
 * target that processed a request but whose answer was lost sees it again. Alerts live in memory:
 * a process that dies loses its queue.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import { Agent, request } from 'undici';
import { PalisadeError } from '../../core/errors.js';
import { alertSeverities, renderAlert, type Alert, type AlertFormat } from './alert.js';

export interface AlertTarget {
  url: string;
  format: AlertFormat;
  /** Sent with every request (e.g. an `authorization` header). */
  headers?: Record<string, string>;
  /** How reports name the target (default: the URL's origin). */
  name?: string;
}

export interface AlertRetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts: number;
  /** The first backoff's scale (default 500 ms). */
  baseMs: number;
  /** The longest wait between attempts (default 30 s). */
  maxMs: number;
}

export interface AlertSenderOptions {
  targets: readonly AlertTarget[];
  retry?: Partial<AlertRetryOptions>;
  /** Deliveries waiting at most (default 1,000). */
  queueSize?: number;
  /** One attempt's limit, connecting to reading the answer (default 10 s). */
  timeoutMs?: number;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  onDelivery?: (report: AlertDeliveryReport) => void;
}

export interface AlertDeliveryReport {
  kind: string;
  title: string;
  target: string;
  outcome: 'delivered' | 'failed' | 'dropped' | 'abandoned';
  /** Attempts made (0 for a delivery dropped or abandoned before its first). */
  attempts: number;
  /** The last answer's status, when there was one. */
  status?: number;
  /** Why the last attempt failed, when it did (no URL in it). */
  error?: string;
}

export interface AlertSenderStats {
  /** Waiting in the queue or in flight. */
  pending: number;
  delivered: number;
  failed: number;
  dropped: number;
  abandoned: number;
}

export interface AlertSender {
  /** Queues the alert for every target and returns at once; never throws. */
  send(alert: Alert): void;
  stats(): AlertSenderStats;
  /** Stops accepting, drains for at most `deadlineMs` (default 5 s), abandons the rest; never rejects. */
  close(options?: { deadlineMs?: number }): Promise<AlertSenderStats>;
}

interface Delivery {
  kind: string;
  title: string;
  body: string;
  target: ResolvedTarget;
  attempts: number;
}

interface ResolvedTarget {
  url: string;
  name: string;
  headers: Record<string, string>;
  format: AlertFormat;
}

type AttemptResult = { ok: true; status: number } | { ok: false; retry: boolean; status?: number; error?: string; retryAfterMs?: number };

interface Settled {
  outcome: 'delivered' | 'failed' | 'abandoned';
  last?: AttemptResult;
}

const defaultRetry: AlertRetryOptions = { attempts: 5, baseMs: 500, maxMs: 30_000 };

export function createAlertSender(options: AlertSenderOptions): AlertSender {
  const retry: AlertRetryOptions = { ...defaultRetry, ...options.retry };
  const queueSize = options.queueSize ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  checkWhole('retry.attempts', retry.attempts, 1, 100);
  checkWhole('retry.baseMs', retry.baseMs, 1, 3_600_000);
  checkWhole('retry.maxMs', retry.maxMs, retry.baseMs, 3_600_000);
  checkWhole('queueSize', queueSize, 1, 1_000_000);
  checkWhole('timeoutMs', timeoutMs, 1, 600_000);
  checkWhole('concurrency', concurrency, 1, 100);
  const targets = resolveTargets(options.targets);
  if (options.onDelivery !== undefined && typeof options.onDelivery !== 'function') throw invalid('onDelivery', 'must be a function');
  const backoff = new ExponentialBackoff({ generator: halfJitterGenerator, initialDelay: retry.baseMs, maxDelay: retry.maxMs });
  // Own connection pool: close() can end it without touching anyone else's.
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const stopping = new AbortController();
  const queue: Delivery[] = [];
  const stats = { delivered: 0, failed: 0, dropped: 0, abandoned: 0 };
  let inFlight = 0;
  let pumpScheduled = false;
  let closing: Promise<AlertSenderStats> | undefined;
  let idle: (() => void) | undefined;

  function report(delivery: Delivery, outcome: AlertDeliveryReport['outcome'], last?: AttemptResult): void {
    stats[outcome] += 1;
    if (options.onDelivery === undefined) return;
    const status = last !== undefined && last.status !== undefined ? { status: last.status } : {};
    const error = last !== undefined && !last.ok && last.error !== undefined ? { error: last.error } : {};
    try {
      options.onDelivery({ kind: delivery.kind, title: delivery.title, target: delivery.target.name, outcome, attempts: delivery.attempts, ...status, ...error });
    } catch {
      // A reporting hook must not break delivery.
    }
  }

  function snapshot(): AlertSenderStats {
    return { pending: queue.length + inFlight, ...stats };
  }

  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    // Deferred, so that send() does no network work on the caller's turn.
    setImmediate(pump);
  }

  function pump(): void {
    pumpScheduled = false;
    while (inFlight < concurrency && queue.length > 0 && !stopping.signal.aborted) {
      const delivery = queue.shift() as Delivery;
      inFlight += 1;
      void deliver(delivery)
        .catch((): Settled => ({ outcome: 'failed' }))
        .then((settled) => {
          // Out of flight before the report: whoever the report wakes sees it counted once, as
          // final, and no longer pending.
          inFlight -= 1;
          report(delivery, settled.outcome, settled.last);
          if (queue.length > 0) schedulePump();
          else if (inFlight === 0) idle?.();
        });
    }
  }

  async function deliver(delivery: Delivery): Promise<Settled> {
    let wait: IBackoff<unknown> | undefined;
    for (;;) {
      delivery.attempts += 1;
      const last = await attempt(delivery);
      if (last.ok) return { outcome: 'delivered', last };
      if (stopping.signal.aborted) return { outcome: 'abandoned', last };
      if (!last.retry || delivery.attempts >= retry.attempts) return { outcome: 'failed', last };
      wait = wait === undefined ? backoff.next() : wait.next(undefined);
      const delayMs = Math.min(retry.maxMs, Math.max(wait.duration, last.retryAfterMs ?? 0));
      try {
        await sleep(delayMs, undefined, { signal: stopping.signal });
      } catch {
        return { outcome: 'abandoned', last };
      }
    }
  }

  async function attempt(delivery: Delivery): Promise<AttemptResult> {
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const response = await request(delivery.target.url, {
        method: 'POST',
        headers: { ...delivery.target.headers, 'content-type': 'application/json' },
        body: delivery.body,
        dispatcher: agent,
        signal,
      });
      // Read (and discard) the answer, so the connection can be reused.
      await response.body.dump({ limit: 65_536, signal });
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status };
      const retryable = status >= 500 || status === 408 || status === 429;
      const retryAfterMs = retryable ? retryAfter(response.headers['retry-after']) : undefined;
      return { ok: false, retry: retryable, status, error: `answered ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } catch (error) {
      if (stopping.signal.aborted) return { ok: false, retry: false, error: 'abandoned when the sender closed' };
      return { ok: false, retry: true, error: signal.aborted ? `no answer within ${timeoutMs} ms` : describeError(error) };
    }
  }

  return {
    send(alert) {
      try {
        if (closing !== undefined) {
          stats.dropped += 1;
          return;
        }
        const kind = String(alert.kind);
        const title = String(alert.title);
        if (!alertSeverities.includes(alert.severity) || !(alert.at instanceof Date) || Number.isNaN(alert.at.getTime())) {
          stats.failed += targets.length;
          return;
        }
        for (const target of targets) {
          let body: string;
          try {
            body = renderAlert(alert, target.format);
          } catch {
            // A value this format cannot carry (JSON has no bigint): counted, never thrown, and
            // the other targets still get theirs.
            stats.failed += 1;
            continue;
          }
          queue.push({ kind, title, body, target, attempts: 0 });
          if (queue.length > queueSize) report(queue.shift() as Delivery, 'dropped');
        }
        if (queue.length > 0) schedulePump();
      } catch {
        // Not an alert at all (null, a getter that throws): one failure per target it was for.
        stats.failed += targets.length;
      }
    },

    stats: snapshot,

    close(closeOptions = {}) {
      closing ??= (async () => {
        const deadlineMs = closeOptions.deadlineMs ?? 5_000;
        if (queue.length + inFlight > 0) {
          const drained = new Promise<void>((resolve) => {
            idle = resolve;
          });
          schedulePump();
          const timer = sleep(deadlineMs, undefined, { ref: false }).then(() => 'late' as const);
          if ((await Promise.race([drained, timer])) === 'late') {
            stopping.abort();
            for (const delivery of queue.splice(0)) report(delivery, 'abandoned');
            if (inFlight > 0) await drained;
          }
        }
        stopping.abort();
        await agent.destroy().catch(() => undefined);
        return snapshot();
      })();
      return closing;
    },
  };
}

function resolveTargets(targets: unknown): ResolvedTarget[] {
  if (!Array.isArray(targets)) throw invalid('targets', 'must be a list of webhook targets');
  return targets.map((target: unknown, index) => resolveTarget(target, `targets[${index}]`));
}

// Checked here, when the sender is built from configuration, not at each attempt, where undici
// would refuse the request and the alert would be retried until it failed.
function resolveTarget(target: unknown, path: string): ResolvedTarget {
  if (typeof target !== 'object' || target === null) throw invalid(path, 'must be an object with url and format');
  const { url: rawUrl, format, headers, name } = target as Partial<Record<keyof AlertTarget, unknown>>;
  if (typeof rawUrl !== 'string') throw invalid(`${path}.url`, 'must be an absolute URL');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    // The URL is not quoted: a webhook's path is its secret.
    throw invalid(`${path}.url`, 'must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`${path}.url`, 'must be http: or https:');
  if (url.username !== '' || url.password !== '') throw invalid(`${path}.url`, 'must not carry credentials; put them in headers');
  if (format !== 'json' && format !== 'slack') throw invalid(`${path}.format`, 'must be json or slack');
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 200)) throw invalid(`${path}.name`, 'must be a non-empty string of at most 200 characters');
  return { url: url.href, name: name ?? url.origin, headers: checkHeaders(headers, `${path}.headers`), format };
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkHeaders(headers: unknown, path: string): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw invalid(path, 'must map header names to strings');
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    // Names are not quoted either: a misplaced secret may sit in one.
    if (!headerName.test(name)) throw invalid(path, 'has a name that is not a valid HTTP header name');
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw invalid(path, 'has a value that is not a single-line string');
    if (name.toLowerCase() === 'content-type' || name.toLowerCase() === 'content-length') throw invalid(path, 'must not set content-type or content-length');
    checked[name] = value;
  }
  return checked;
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1_000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The error's code and name, never its message, which may quote the URL. */
function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'request failed';
  const code = Reflect.get(error, 'code');
  const name = Reflect.get(error, 'name');
  return [typeof name === 'string' ? name : 'Error', typeof code === 'string' ? code : undefined].filter((part) => part !== undefined).join(' ');
}

function checkWhole(path: string, value: number, min: number, max: number): void {
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) throw invalid(path, `must be a whole number from ${min} to ${max}`);
}

function invalid(path: string, problem: string): PalisadeError {
  return new PalisadeError('invalid_argument', `alert sender: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
