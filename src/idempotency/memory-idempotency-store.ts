/**
 * Idempotency keys held in this process (one replica). Many replicas share them through the
 * Redis backend instead.
 */
import { PalisadeError } from '../core/errors.js';
import { checkIdempotencyArguments } from './check-idempotency-arguments.js';
import type { BeginResult, IdempotencyStore, StoredResponse } from './idempotency-store.js';

export interface MemoryIdempotencyStoreOptions {
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
}

export interface MemoryIdempotencyStore extends IdempotencyStore {
  /** Keys held (for tests and metrics): expired ones are swept. */
  readonly size: number;
}

type Entry = { fingerprint: string; expiresAt: number } & ({ state: 'in_progress' } | { state: 'done'; response: StoredResponse });

/** Expired entries are swept at most this often: memory holds what is live plus one interval's worth. */
const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): MemoryIdempotencyStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let nextSweepAt = now() + SWEEP_INTERVAL_MS;
  let closed = false;

  function live(key: string, at: number): Entry | undefined {
    if (at >= nextSweepAt) {
      nextSweepAt = at + SWEEP_INTERVAL_MS;
      for (const [other, entry] of entries) if (entry.expiresAt <= at) entries.delete(other);
    }
    const entry = entries.get(key);
    if (entry === undefined || entry.expiresAt > at) return entry;
    entries.delete(key);
    return undefined;
  }

  function open(): void {
    if (closed) throw new PalisadeError('unavailable', 'idempotency store is closed');
  }

  return {
    async begin(key, fingerprint, ttlMs): Promise<BeginResult> {
      open();
      checkIdempotencyArguments({ key, ttlMs });
      const at = now();
      const entry = live(key, at);
      if (entry === undefined) {
        entries.set(key, { state: 'in_progress', fingerprint, expiresAt: at + ttlMs });
        return { state: 'claimed' };
      }
      if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (entry.state === 'in_progress') return { state: 'in_progress' };
      return { state: 'done', response: structuredClone(entry.response) };
    },
    async complete(key, response, ttlMs) {
      open();
      checkIdempotencyArguments({ key, ttlMs });
      const at = now();
      const entry = live(key, at);
      // Only a running claim takes a response: a released or expired claim stores nothing (the
      // fingerprint is gone), and a stored response is never replaced.
      if (entry?.state !== 'in_progress') return;
      entries.set(key, { state: 'done', fingerprint: entry.fingerprint, response: structuredClone(response), expiresAt: at + ttlMs });
    },
    async release(key) {
      open();
      checkIdempotencyArguments({ key });
      if (live(key, now())?.state === 'in_progress') entries.delete(key);
    },
    async close() {
      closed = true;
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
