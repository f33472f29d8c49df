import { Pool } from 'undici';

export interface LoadOptions {
  /** e.g. http://127.0.0.1:8787 */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  durationMs: number;
  /** Read the answer as a stream and time its first content chunk. */
  stream: boolean;
}

export interface LoadResult {
  requests: number;
  errors: number;
  requestsPerSecond: number;
  /** Milliseconds, whole response. */
  p50: number;
  p99: number;
  /** Streams: milliseconds to the first chunk carrying answer text. */
  ttftP50?: number;
  ttftP99?: number;
  /** The first error's status and a few bytes of its body, to tell a broken setup from a slow one. */
  firstError?: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] as number;
}

/** Does this SSE text hold a chunk with answer text (OpenAI `"content":"…"` with something in it)? */
const contentChunk = /"content":"[^"]/;

/**
 * A closed-loop load generator: `concurrency` clients, each sending its next request as soon as
 * the previous one has been read completely, for `durationMs`, over kept-alive connections.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  const firstTokens: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.durationMs;

  async function client(): Promise<void> {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        const response = await pool.request({ method: 'POST', path: options.path, headers: { 'content-type': 'application/json', ...options.headers }, body: options.body });
        let firstToken: number | undefined;
        let text = '';
        for await (const part of response.body) {
          const piece = (part as Buffer).toString('utf8');
          if (options.stream && firstToken === undefined && contentChunk.test(piece)) firstToken = performance.now() - begin;
          if (response.statusCode !== 200 && text.length < 300) text += piece;
        }
        if (response.statusCode !== 200) {
          errors += 1;
          firstError ??= `${response.statusCode} ${text.slice(0, 200)}`;
          continue;
        }
        latencies.push(performance.now() - begin);
        if (firstToken !== undefined) firstTokens.push(firstToken);
      } catch (error) {
        errors += 1;
        firstError ??= String(error).slice(0, 200);
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => client()));
  const elapsed = performance.now() - started;
  await pool.close();
  latencies.sort((a, b) => a - b);
  firstTokens.sort((a, b) => a - b);
  const result: LoadResult = { requests: latencies.length, errors, requestsPerSecond: (latencies.length / elapsed) * 1000, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  if (firstTokens.length > 0) {
    result.ttftP50 = percentile(firstTokens, 0.5);
    result.ttftP99 = percentile(firstTokens, 0.99);
  }
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}
