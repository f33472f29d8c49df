/**
 * Tool budgets held in this process (one replica). Many replicas share them through the Redis
 * backend instead.
 *
 * Bounded by `maxKeys`: counters whose window has ended are swept (at least once a minute, and
 * whenever the store is full). When every counter held is still live, a call under a new key is
 * refused with `unavailable` rather than an old counter dropped: dropping one would hand its
 * budget back before its window ends. Per-session budgets with long windows are what fill it;
 * size it for the sessions alive at once.
 */
import { PalisadeError } from '../core/errors.js';
import { checkToolBudgetRequest, type ToolBudgetResult, type ToolBudgetStore } from './tool-budget-store.js';

export interface MemoryToolBudgetStoreOptions {
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
  /** Counters held at most; default 250,000. */
  maxKeys?: number;
}

export interface MemoryToolBudgetStore extends ToolBudgetStore {
  /** Counters held (for tests and metrics); ended windows are swept. */
  readonly size: number;
}

interface Counter {
  windowStart: number;
  windowEnd: number;
  count: number;
}

const DEFAULT_MAX_KEYS = 250_000;
const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryToolBudgetStore(options: MemoryToolBudgetStoreOptions = {}): MemoryToolBudgetStore {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!(Number.isSafeInteger(maxKeys) && maxKeys > 0)) throw new PalisadeError('invalid_argument', 'tool budget store: maxKeys must be a positive whole number', { details: [{ path: 'maxKeys', message: 'not a positive integer' }] });
  const counters = new Map<string, Counter>();
  /** The earliest window end held: nothing can be swept before then. */
  let earliestEnd = Number.POSITIVE_INFINITY;
  let nextSweepAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  function sweep(at: number): void {
    nextSweepAt = at + SWEEP_INTERVAL_MS;
    earliestEnd = Number.POSITIVE_INFINITY;
    for (const [key, counter] of counters) {
      if (counter.windowEnd <= at) counters.delete(key);
      else earliestEnd = Math.min(earliestEnd, counter.windowEnd);
    }
  }

  return {
    async take(request): Promise<ToolBudgetResult> {
      if (closed) throw new PalisadeError('unavailable', 'tool budget store is closed');
      checkToolBudgetRequest(request);
      const at = now();
      if (at >= nextSweepAt || (counters.size >= maxKeys && at >= earliestEnd)) sweep(at);
      const windowStart = at - (at % request.windowMs);
      const windowEnd = windowStart + request.windowMs;
      const resetMs = windowEnd - at;
      const held = counters.get(request.key);
      const count = held !== undefined && held.windowStart === windowStart && held.windowEnd === windowEnd ? held.count : 0;
      if (count >= request.limit) return { allowed: false, count, resetMs };
      if (held === undefined && counters.size >= maxKeys) {
        throw new PalisadeError('unavailable', 'tool budget store is full of live counters', { retryAfter: Math.max(1, Math.ceil((earliestEnd - at) / 1000)) });
      }
      counters.set(request.key, { windowStart, windowEnd, count: count + 1 });
      earliestEnd = Math.min(earliestEnd, windowEnd);
      return { allowed: true, count: count + 1, resetMs };
    },
    async close() {
      closed = true;
      counters.clear();
    },
    get size() {
      return counters.size;
    },
  };
}
