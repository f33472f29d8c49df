/**
 * Single-use enforcement for tool tokens, on the tool server's side: `verifyToolToken` records
 * every single-use token it accepts, and refuses one it has seen (`replayed`).
 *
 * An entry is kept until the token could no longer be accepted anyway (its expiry plus the
 * verifier's clock tolerance), then dropped: memory holds only live tokens. The in-memory cache
 * is one process's; a tool server with several replicas needs a shared implementation of
 * `ToolTokenReplayCache` (the interface is asynchronous for that reason).
 *
 * Bounded: when `maxEntries` live tokens are held, a new single-use token is refused with
 * `unavailable` (retry after the oldest entry expires) rather than an old entry being forgotten.
 * Forgetting would fail open: the forgotten token could be used a second time within its
 * lifetime, exactly what single use forbids. Refusing fails closed, and only for as long as the
 * cache is full of live tokens (at most one token lifetime); tokens that are not single-use are
 * never recorded and never refused.
 */
import { PalisadeError } from '../core/errors.js';

export interface ReplayCacheEntry {
  /** The key id the token was signed with: token ids are random, this only keeps keys apart. */
  keyId: string;
  tokenId: string;
  /** Milliseconds since the epoch until which the token must be remembered. */
  until: number;
  /** The verifier's clock, milliseconds since the epoch. */
  now: number;
}

export interface ToolTokenReplayCache {
  /**
   * Records the token as used, atomically: `first` the first time, `replayed` every later time
   * until `until`. Throws (`unavailable`) when it can hold no more, refusing the token.
   */
  remember(entry: ReplayCacheEntry): Promise<'first' | 'replayed'>;
}

export interface ReplayCacheOptions {
  /** Live tokens held at most; default 100,000 (a few MiB). */
  maxEntries?: number;
}

export interface MemoryReplayCache extends ToolTokenReplayCache {
  /** Entries held (for tests and metrics); expired ones are swept. */
  readonly size: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
/** Expired entries are swept at least this often (and whenever the cache is full). */
const SWEEP_INTERVAL_MS = 60_000;

export function createReplayCache(options: ReplayCacheOptions = {}): MemoryReplayCache {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) {
    throw new PalisadeError('invalid_argument', 'replay cache: maxEntries must be a positive whole number', { details: [{ path: 'maxEntries', message: 'not a positive integer' }] });
  }
  /** `keyId:tokenId` → until. */
  const entries = new Map<string, number>();
  /** The earliest `until` held: nothing can be swept before then, so a full cache refuses in O(1). */
  let earliestUntil = Number.POSITIVE_INFINITY;
  let nextSweepAt = Number.NEGATIVE_INFINITY;

  function sweep(now: number): void {
    nextSweepAt = now + SWEEP_INTERVAL_MS;
    earliestUntil = Number.POSITIVE_INFINITY;
    for (const [key, until] of entries) {
      if (until <= now) entries.delete(key);
      else earliestUntil = Math.min(earliestUntil, until);
    }
  }

  return {
    async remember({ keyId, tokenId, until, now }) {
      if (now >= nextSweepAt || (entries.size >= maxEntries && now >= earliestUntil)) sweep(now);
      const key = `${keyId}:${tokenId}`;
      const seen = entries.get(key);
      if (seen !== undefined && seen > now) return 'replayed';
      if (seen === undefined && entries.size >= maxEntries) {
        throw new PalisadeError('unavailable', 'replay cache is full of live single-use tokens', { retryAfter: Math.max(1, Math.ceil((earliestUntil - now) / 1000)) });
      }
      entries.set(key, until);
      earliestUntil = Math.min(earliestUntil, until);
      return 'first';
    },
    get size() {
      return entries.size;
    },
  };
}
