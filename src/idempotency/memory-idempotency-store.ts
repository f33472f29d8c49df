/**
 * Idempotency keys held in this process (one replica). Many replicas share them through the
 * Redis backend instead.
 *
 * Memory is bounded by `maxBytes` (the keys, fingerprints and stored responses, roughly). When a
 * write would pass it, the oldest stored responses are dropped first: a retry of one of those
 * runs again, as it would after the TTL. A claim in progress is never dropped, since a retry
 * would then run beside the request still holding it. So when the room left is all claims in
 * progress, `begin` refuses a new key with `unavailable` (the gateway answers 503, Retry-After),
 * and a response too big for the room left is not kept: its claim is released and `complete`
 * returns false, so a retry runs again.
 */
import { randomUUID } from 'node:crypto';
import { PalisadeError } from '../core/errors.js';
import { checkIdempotencyArguments } from './check-idempotency-arguments.js';
import type { BeginResult, IdempotencyStore, StoredResponse } from './idempotency-store.js';

export interface MemoryIdempotencyStoreOptions {
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
  /** The most bytes held (keys, fingerprints, stored responses); default 64 MiB. */
  maxBytes?: number;
}

export interface MemoryIdempotencyStore extends IdempotencyStore {
  /** Keys held (for tests and metrics): expired ones are swept. */
  readonly size: number;
  /** Bytes held, as counted against `maxBytes`. */
  readonly bytes: number;
}

type Entry = { fingerprint: string; expiresAt: number; bytes: number } & ({ state: 'in_progress'; owner: string } | { state: 'done'; response: StoredResponse });

/** Expired entries are swept at most this often: memory holds what is live plus one interval's worth. */
const SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** What an entry costs beyond its strings (the map slot, the object, the owner token), roughly. */
const ENTRY_OVERHEAD_BYTES = 256;

function entryBytes(key: string, fingerprint: string, response?: StoredResponse): number {
  let bytes = ENTRY_OVERHEAD_BYTES + Buffer.byteLength(key) + Buffer.byteLength(fingerprint);
  if (response === undefined) return bytes;
  bytes += Buffer.byteLength(response.body);
  for (const [name, value] of Object.entries(response.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): MemoryIdempotencyStore {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(Number.isInteger(maxBytes) && maxBytes > 0)) throw new PalisadeError('invalid_argument', 'idempotency store: maxBytes must be a positive whole number', { details: [{ path: 'maxBytes', message: 'not a positive integer' }] });
  const entries = new Map<string, Entry>();
  /** Keys with a stored response, oldest write first: the order they are dropped in. */
  const completed = new Set<string>();
  let bytes = 0;
  let nextSweepAt = now() + SWEEP_INTERVAL_MS;
  let closed = false;

  function put(key: string, entry: Entry): void {
    remove(key);
    entries.set(key, entry);
    bytes += entry.bytes;
    if (entry.state === 'done') completed.add(key);
  }

  function remove(key: string): void {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    completed.delete(key);
    bytes -= entry.bytes;
  }

  function sweep(at: number): void {
    nextSweepAt = at + SWEEP_INTERVAL_MS;
    for (const [key, entry] of entries) if (entry.expiresAt <= at) remove(key);
  }

  function live(key: string, at: number): Entry | undefined {
    if (at >= nextSweepAt) sweep(at);
    const entry = entries.get(key);
    if (entry === undefined || entry.expiresAt > at) return entry;
    remove(key);
    return undefined;
  }

  /** Drops the oldest stored responses, then expired claims, until `needed` more bytes fit; false when they cannot. */
  function makeRoom(needed: number, at: number): boolean {
    for (const key of completed) {
      if (bytes + needed <= maxBytes) return true;
      remove(key);
    }
    if (bytes + needed > maxBytes) sweep(at);
    return bytes + needed <= maxBytes;
  }

  /** The owner's running claim, or undefined. */
  function owned(key: string, owner: string, at: number): (Entry & { state: 'in_progress' }) | undefined {
    const entry = live(key, at);
    return entry?.state === 'in_progress' && entry.owner === owner ? entry : undefined;
  }

  function open(): void {
    if (closed) throw new PalisadeError('unavailable', 'idempotency store is closed');
  }

  return {
    async begin({ key, fingerprint, leaseMs }): Promise<BeginResult> {
      open();
      checkIdempotencyArguments({ key, leaseMs });
      const at = now();
      const entry = live(key, at);
      if (entry === undefined) {
        const size = entryBytes(key, fingerprint);
        if (!makeRoom(size, at)) throw new PalisadeError('unavailable', 'idempotency store is full of requests in progress', { retryAfter: 1 });
        const owner = randomUUID();
        put(key, { state: 'in_progress', fingerprint, owner, expiresAt: at + leaseMs, bytes: size });
        return { state: 'claimed', owner };
      }
      if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (entry.state === 'in_progress') return { state: 'in_progress' };
      return { state: 'done', response: structuredClone(entry.response) };
    },
    async renew({ key, owner, leaseMs }) {
      open();
      checkIdempotencyArguments({ key, owner, leaseMs });
      const at = now();
      const entry = owned(key, owner, at);
      if (entry === undefined) return false;
      entry.expiresAt = at + leaseMs;
      return true;
    },
    async complete({ key, owner, response, ttlMs }) {
      open();
      checkIdempotencyArguments({ key, owner, ttlMs });
      const at = now();
      const entry = owned(key, owner, at);
      // Only the owner's running claim takes a response: a released, expired or taken-over claim
      // stores nothing, and a stored response is never replaced.
      if (entry === undefined) return false;
      remove(key);
      const size = entryBytes(key, entry.fingerprint, response);
      if (!makeRoom(size, at)) return false;
      put(key, { state: 'done', fingerprint: entry.fingerprint, response: structuredClone(response), expiresAt: at + ttlMs, bytes: size });
      return true;
    },
    async release({ key, owner }) {
      open();
      checkIdempotencyArguments({ key, owner });
      if (owned(key, owner, now()) === undefined) return false;
      remove(key);
      return true;
    },
    async close() {
      closed = true;
      entries.clear();
      completed.clear();
      bytes = 0;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
