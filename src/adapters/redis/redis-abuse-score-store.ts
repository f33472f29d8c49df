/**
 * Abuse scores in Redis, shared by every replica. Per subject, two keys under one hash tag (one
 * Cluster slot): `<prefix>{<kind>:<id>}:violations`, a sorted set of the window's violations
 * (score: the time in ms; member: `<weight>:<nonce>`), expiring when the window would be empty;
 * and `<prefix>{<kind>:<id>}:state`, `<state>:<until ms>`, expiring at `until`, so an escalation
 * ends by Redis's own expiry and a read is one GET.
 *
 * `record` is one Lua script on those two keys: it drops what left the window, adds the
 * violation, sums the window and applies the ladder (`escalate` in
 * `src/ops/abuse/abuse-score-store.ts`, mirrored here), so the check and the write cannot
 * interleave with another replica's, and exactly one replica sees each change of state. Time is
 * Redis's (`TIME`), never the caller's.
 *
 * `read` sends one GET per subject in one pipeline (one round trip). Errors from Redis are
 * thrown, never swallowed.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import {
  abuseSubjectKey,
  checkAbuseSubject,
  checkScoreRequest,
  maxViolationsPerSubject,
  type AbuseScoreStore,
  type AbuseState,
  type AbuseSubject,
  type Escalation,
  type ScoreResult,
} from '../../ops/abuse/abuse-score-store.js';
import { defineRedisScript } from './redis-script.js';

export interface RedisAbuseScoreStoreOptions {
  /** The connection, owned by the caller: `close()` does not quit it (other stores may share it). */
  redis: Redis;
  /** Namespace of every key (default `palisade:abuse:`). */
  keyPrefix?: string;
}

/**
 * KEYS: violations, state. ARGV: member, weight, windowMs, throttleAt, suspendAt, throttleForMs,
 * suspendForMs, max violations kept. Reply: score, previous state, previous until, state, until,
 * now (times as whole-millisecond text; `%.0f` writes them without an exponent).
 */
const recordScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local weight = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local throttleAt = tonumber(ARGV[4])
local suspendAt = tonumber(ARGV[5])
local keep = tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held > keep then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, held - keep - 1) end
redis.call('PEXPIRE', KEYS[1], window)
local score = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  score = score + tonumber(string.match(member, '^(%d+):'))
end
local rank = { normal = 0, throttled = 1, suspended = 2 }
local previous, previousUntil = 'normal', 0
local stored = redis.call('GET', KEYS[2])
if stored then
  local state, untilText = string.match(stored, '^(%a+):(%d+)$')
  if state and rank[state] and tonumber(untilText) > now then previous, previousUntil = state, tonumber(untilText) end
end
local target = 'normal'
if score >= suspendAt then target = 'suspended' elseif score >= throttleAt then target = 'throttled' end
local current, untilMs = previous, previousUntil
if target ~= 'normal' and rank[target] >= rank[previous] then
  local lasts = tonumber(ARGV[6])
  if target == 'suspended' then lasts = tonumber(ARGV[7]) end
  current, untilMs = target, now + lasts
  if target == previous and previousUntil > untilMs then untilMs = previousUntil end
  redis.call('SET', KEYS[2], current .. ':' .. string.format('%.0f', untilMs), 'PX', untilMs - now)
end
return { score, previous, string.format('%.0f', previousUntil), current, string.format('%.0f', untilMs), string.format('%.0f', now) }
`;

const state = z.enum(['normal', 'throttled', 'suspended']);
const millis = z.string().regex(/^\d+$/).transform(Number);
const recordReply = z.tuple([z.number().int().min(1), state, millis, state, millis, millis]);
const storedState = /^(normal|throttled|suspended):(\d+)$/;

export function createRedisAbuseScoreStore(options: RedisAbuseScoreStoreOptions): AbuseScoreStore {
  const prefix = options.keyPrefix ?? 'palisade:abuse:';
  const { redis } = options;
  const runRecord = defineRedisScript(redis, { name: 'AbuseRecord', lua: recordScript });
  let closed = false;

  function keysOf(subject: AbuseSubject): { violations: string; state: string } {
    const base = `${prefix}{${abuseSubjectKey(subject)}}`;
    return { violations: `${base}:violations`, state: `${base}:state` };
  }

  function open(): void {
    if (closed) throw new PalisadeError('unavailable', 'abuse score store is closed');
  }

  return {
    async record(request): Promise<ScoreResult> {
      open();
      checkScoreRequest(request);
      const { policy } = request;
      const keys = keysOf(request.subject);
      const member = `${request.weight}:${randomBytes(9).toString('base64url')}`;
      const reply = await runRecord(
        [keys.violations, keys.state],
        [member, request.weight, policy.windowMs, policy.throttleAt, policy.suspendAt, policy.throttleForMs, policy.suspendForMs, maxViolationsPerSubject],
      );
      const parsed = recordReply.safeParse(reply);
      if (!parsed.success) throw new PalisadeError('internal_error', 'abuse score store: unreadable reply from Redis', { cause: parsed.error });
      const [score, previous, previousUntil, current, until, now] = parsed.data;
      return { score, previous: escalation(previous, previousUntil), current: escalation(current, until), at: new Date(now) };
    },

    async read(subjects) {
      open();
      subjects.forEach((subject, index) => checkAbuseSubject(subject, `subjects[${index}]`));
      if (subjects.length === 0) return [];
      const replies = await redis.pipeline(subjects.map((subject) => ['get', keysOf(subject).state])).exec();
      return subjects.map((_, index) => {
        const [error, value] = replies?.[index] ?? [new Error('no reply'), null];
        if (error !== null) throw new PalisadeError('unavailable', 'abuse score store: Redis refused a read', { cause: error });
        // Redis expires the key at `until`, so a value read is in force.
        const match = typeof value === 'string' ? storedState.exec(value) : null;
        return match === null ? { state: 'normal' } : escalation(state.parse(match[1]), Number(match[2]));
      });
    },

    async reset(subject) {
      open();
      checkAbuseSubject(subject);
      const keys = keysOf(subject);
      await redis.del(keys.violations, keys.state);
    },

    async close() {
      closed = true;
    },
  };
}

function escalation(name: AbuseState, until: number): Escalation {
  return name === 'normal' || until === 0 ? { state: 'normal' } : { state: name, until: new Date(until) };
}
