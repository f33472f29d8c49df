/**
 * Idempotency keys in Redis, shared by every replica. Each key is one hash, `state`
 * (`in_progress` | `done`), `fingerprint` and, once done, `response` (JSON), expiring with the
 * TTL. A hash rather than one string value lets the scripts compare the fingerprint without
 * decoding the stored body. Each operation is one Lua script, so two replicas beginning the same
 * key at once cannot both claim it. One key per call: works on Redis Cluster as is.
 *
 * Errors from Redis are thrown, never swallowed: the gateway decides whether to fail open or closed.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { checkIdempotencyArguments } from '../../idempotency/check-idempotency-arguments.js';
import type { BeginResult, IdempotencyStore } from '../../idempotency/idempotency-store.js';
import { storedResponseSchema } from '../../idempotency/stored-response-schema.js';
import { defineRedisScript } from './redis-script.js';

export interface RedisIdempotencyStoreOptions {
  /** The connection, owned by the caller: `close()` does not quit it (other stores may share it). */
  redis: Redis;
  /** Namespace of every key (default `palisade:idempotency:`). */
  keyPrefix?: string;
}

/** ARGV: fingerprint, TTL ms. Reply: the state, and for `done` the response JSON. */
const beginScript = `
local current = redis.call('HMGET', KEYS[1], 'state', 'fingerprint')
if not current[1] then
  redis.call('HSET', KEYS[1], 'state', 'in_progress', 'fingerprint', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 'claimed' }
end
if current[2] ~= ARGV[1] then return { 'mismatch' } end
if current[1] == 'in_progress' then return { 'in_progress' } end
return { 'done', redis.call('HGET', KEYS[1], 'response') }
`;

/**
 * ARGV: response JSON, TTL ms. Only a running claim takes a response: a released or expired claim
 * stores nothing (its fingerprint is gone), and a stored response is never replaced.
 */
const completeScript = `
if redis.call('HGET', KEYS[1], 'state') ~= 'in_progress' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Deletes the key only while it is still in progress: a stored response stays. */
const releaseScript = `
if redis.call('HGET', KEYS[1], 'state') ~= 'in_progress' then return 0 end
return redis.call('DEL', KEYS[1])
`;

const beginReply = z.union([
  z.tuple([z.enum(['claimed', 'in_progress', 'mismatch'])]),
  z.tuple([z.literal('done'), z.string()]),
]);

export function createRedisIdempotencyStore(options: RedisIdempotencyStoreOptions): IdempotencyStore {
  const prefix = options.keyPrefix ?? 'palisade:idempotency:';
  const runBegin = defineRedisScript(options.redis, { name: 'IdempotencyBegin', lua: beginScript });
  const runComplete = defineRedisScript(options.redis, { name: 'IdempotencyComplete', lua: completeScript });
  const runRelease = defineRedisScript(options.redis, { name: 'IdempotencyRelease', lua: releaseScript });
  let closed = false;

  function open(): void {
    if (closed) throw new PalisadeError('unavailable', 'idempotency store is closed');
  }

  return {
    async begin(key, fingerprint, ttlMs): Promise<BeginResult> {
      open();
      checkIdempotencyArguments({ key, ttlMs });
      const reply = beginReply.parse(await runBegin([prefix + key], [fingerprint, ttlMs]));
      if (reply[0] !== 'done') return { state: reply[0] };
      const stored = storedResponseSchema.safeParse(parseJson(reply[1]));
      if (!stored.success) throw new PalisadeError('internal_error', 'idempotency store: the stored response is unreadable', { cause: stored.error });
      return { state: 'done', response: stored.data };
    },
    async complete(key, response, ttlMs) {
      open();
      checkIdempotencyArguments({ key, ttlMs });
      await runComplete([prefix + key], [JSON.stringify(response), ttlMs]);
    },
    async release(key) {
      open();
      checkIdempotencyArguments({ key });
      await runRelease([prefix + key], []);
    },
    async close() {
      closed = true;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
