/**
 * Tool budgets in Redis, shared by every replica. Each counter is one hash, `<prefix><key>`, with
 * the window it counts (`start`, `ms`) and the `count`; it expires when its window ends, so idle
 * counters vanish. Each `take` is one Lua script on one key: the check and the increment cannot
 * interleave with another replica's, and it works on Redis Cluster as is.
 *
 * Time is Redis's own (`TIME`), never the caller's: replicas with skewed clocks still agree on
 * the window a call falls in.
 *
 * Errors from Redis are thrown, never swallowed: the caller decides whether a budget it cannot
 * check fails open or closed.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { checkToolBudgetRequest, type ToolBudgetResult, type ToolBudgetStore } from '../../tools/tool-budget-store.js';
import { defineRedisScript } from './redis-script.js';

export interface RedisToolBudgetStoreOptions {
  /** The connection, owned by the caller: `close()` does not quit it (other stores may share it). */
  redis: Redis;
  /** Namespace of every key (default `palisade:tool-budgets:`). */
  keyPrefix?: string;
}

/**
 * KEYS: the counter. ARGV: limit, window ms. Reply: allowed (1/0), count, ms until the window ends.
 * Milliseconds since 1970 (about 1.7e12) are exact in Lua's doubles; `%.0f` writes them without
 * an exponent. Nothing is written when the call is refused.
 */
const takeScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = now - (now % window)
local reset = start + window - now
local startText = string.format('%.0f', start)
local held = redis.call('HMGET', KEYS[1], 'start', 'ms', 'count')
local count = 0
if held[1] == startText and held[2] == ARGV[2] then count = tonumber(held[3]) end
if count >= limit then return { 0, count, reset } end
count = count + 1
redis.call('HSET', KEYS[1], 'start', startText, 'ms', ARGV[2], 'count', count)
redis.call('PEXPIRE', KEYS[1], reset)
return { 1, count, reset }
`;

const takeReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int().min(0), z.number().int().min(1)]);

export function createRedisToolBudgetStore(options: RedisToolBudgetStoreOptions): ToolBudgetStore {
  const prefix = options.keyPrefix ?? 'palisade:tool-budgets:';
  const runTake = defineRedisScript(options.redis, { name: 'ToolBudgetTake', lua: takeScript });
  let closed = false;
  return {
    async take(request): Promise<ToolBudgetResult> {
      if (closed) throw new PalisadeError('unavailable', 'tool budget store is closed');
      checkToolBudgetRequest(request);
      const parsed = takeReply.safeParse(await runTake([prefix + request.key], [request.limit, request.windowMs]));
      if (!parsed.success) throw new PalisadeError('internal_error', 'tool budget store: unreadable reply from Redis', { cause: parsed.error });
      const [allowed, count, resetMs] = parsed.data;
      return { allowed: allowed === 1, count, resetMs };
    },
    async close() {
      closed = true;
    },
  };
}
