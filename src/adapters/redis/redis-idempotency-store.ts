/**
 * Idempotency keys in Redis, shared by every replica. Each key is one hash, `state`
 * (`in_progress` | `done`), `fingerprint`, the claim's `owner` token while in progress, and
 * `response` (JSON) once done; it expires with the claim's lease (renewed by its owner), then
 * with the TTL once done. A hash rather than one string value lets the scripts compare the
 * fingerprint and owner without decoding the stored body. Each operation is one Lua script, so
 * two replicas beginning the same key at once cannot both claim it, and a renewal, completion or
 * release is checked against the owner in the same step that writes. One key per call: works on
 * Redis Cluster as is.
 *
 * Errors from Redis are thrown, never swallowed: the gateway decides whether to fail open or closed.
 */
import { randomUUID } from 'node:crypto';
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

/** ARGV: fingerprint, lease ms, owner token. Reply: the state, and for `done` the response JSON. */
const beginScript = `
local current = redis.call('HMGET', KEYS[1], 'state', 'fingerprint')
if not current[1] then
  redis.call('HSET', KEYS[1], 'state', 'in_progress', 'fingerprint', ARGV[1], 'owner', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 'claimed' }
end
if current[2] ~= ARGV[1] then return { 'mismatch' } end
if current[1] == 'in_progress' then return { 'in_progress' } end
return { 'done', redis.call('HGET', KEYS[1], 'response') }
`;

/**
 * The start of every write script: stop (reply 0) unless the key is a running claim of the owner
 * in ARGV[1]. A stored response has no owner, so it is never renewed, replaced or deleted.
 */
const ownedClaim = `
local current = redis.call('HMGET', KEYS[1], 'state', 'owner')
if current[1] ~= 'in_progress' or current[2] ~= ARGV[1] then return 0 end
`;

/** ARGV: owner, lease ms. */
const renewScript = `${ownedClaim}
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** ARGV: owner, response JSON, TTL ms. */
const completeScript = `${ownedClaim}
redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** ARGV: owner. */
const releaseScript = `${ownedClaim}
redis.call('DEL', KEYS[1])
return 1
`;

const beginReply = z.union([
  z.tuple([z.enum(['claimed', 'in_progress', 'mismatch'])]),
  z.tuple([z.literal('done'), z.string()]),
]);
const writeReply = z.union([z.literal(0), z.literal(1)]);

export function createRedisIdempotencyStore(options: RedisIdempotencyStoreOptions): IdempotencyStore {
  const prefix = options.keyPrefix ?? 'palisade:idempotency:';
  const runBegin = defineRedisScript(options.redis, { name: 'IdempotencyBegin', lua: beginScript });
  const runRenew = defineRedisScript(options.redis, { name: 'IdempotencyRenew', lua: renewScript });
  const runComplete = defineRedisScript(options.redis, { name: 'IdempotencyComplete', lua: completeScript });
  const runRelease = defineRedisScript(options.redis, { name: 'IdempotencyRelease', lua: releaseScript });
  let closed = false;

  function open(): void {
    if (closed) throw new PalisadeError('unavailable', 'idempotency store is closed');
  }

  return {
    async begin({ key, fingerprint, leaseMs }): Promise<BeginResult> {
      open();
      checkIdempotencyArguments({ key, leaseMs });
      const owner = randomUUID();
      const reply = beginReply.parse(await runBegin([prefix + key], [fingerprint, leaseMs, owner]));
      if (reply[0] === 'claimed') return { state: 'claimed', owner };
      if (reply[0] !== 'done') return { state: reply[0] };
      const stored = storedResponseSchema.safeParse(parseJson(reply[1]));
      if (!stored.success) throw new PalisadeError('internal_error', 'idempotency store: the stored response is unreadable', { cause: stored.error });
      return { state: 'done', response: stored.data };
    },
    async renew({ key, owner, leaseMs }) {
      open();
      checkIdempotencyArguments({ key, owner, leaseMs });
      return writeReply.parse(await runRenew([prefix + key], [owner, leaseMs])) === 1;
    },
    async complete({ key, owner, response, ttlMs }) {
      open();
      checkIdempotencyArguments({ key, owner, ttlMs });
      return writeReply.parse(await runComplete([prefix + key], [owner, JSON.stringify(response), ttlMs])) === 1;
    },
    async release({ key, owner }) {
      open();
      checkIdempotencyArguments({ key, owner });
      return writeReply.parse(await runRelease([prefix + key], [owner])) === 1;
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
