/**
 * The Lua scripts of the Redis rate limiter. They run the GCRA formulas of
 * `limits/limit-arithmetic.ts` (same period, same tolerance), so both backends admit the same
 * requests; keep them in step.
 *
 * Time is Redis's own (`TIME`), never the caller's: replicas with skewed clocks still charge
 * against one clock. Times are milliseconds since REDIS_EPOCH_S rather than since 1970, which
 * keeps the doubles small and their rounding well below a microsecond. Numbers cross the wire as
 * `%.17g` strings, which round-trip a double exactly (Lua's default formatting keeps 14 digits).
 */
import { CONCURRENCY_RETRY_HINT_MS, GCRA_TOLERANCE_MS, LIMIT_PERIOD_MS } from '../../limits/limit-arithmetic.js';

/** 2023-11-14T22:13:20Z: any fixed instant in the past does. */
export const REDIS_EPOCH_S = 1_700_000_000;

const prelude = `
local period = ${LIMIT_PERIOD_MS}
local tolerance = ${GCRA_TOLERANCE_MS}
local time = redis.call('TIME')
local now = (tonumber(time[1]) - ${REDIS_EPOCH_S}) * 1000 + tonumber(time[2]) / 1000
local function fmt(x) return string.format('%.17g', x) end
local function current(key)
  local tat = tonumber(redis.call('GET', key))
  if tat == nil or tat < now then return now end
  return tat
end
-- Stores a TAT with an expiry at the moment it is fully replenished: an idle subject vanishes.
local function store(key, tat)
  if tat > now then
    redis.call('SET', key, fmt(tat), 'PX', math.ceil(tat - now))
  else
    redis.call('DEL', key)
  end
end
`;

/**
 * KEYS: per subject, its requests, tokens and leases keys (3 each).
 * ARGV: estimated tokens, requestId, lease TTL ms, then per subject its requests/minute,
 * tokens/minute and concurrent limit ('' when absent).
 * Reply (strings): allowed (1/0), now, refusal count, each refusal (subject index from 0, limit,
 * wait ms or 'inf'), then per subject its requests TAT and tokens TAT ('' when it has no such
 * limit). Nothing is written unless every subject admits the request.
 */
export const acquireScript = `${prelude}
local cost = tonumber(ARGV[1])
local requestId = ARGV[2]
local leaseTtl = tonumber(ARGV[3])
local subjects = #KEYS / 3
local refusals = {}
local tats = {}
local function refuse(index, limit, wait)
  refusals[#refusals + 1] = tostring(index - 1)
  refusals[#refusals + 1] = limit
  refusals[#refusals + 1] = wait
end
for i = 1, subjects do
  local rpm = tonumber(ARGV[3 + (i - 1) * 3 + 1])
  local tpm = tonumber(ARGV[3 + (i - 1) * 3 + 2])
  local concurrent = tonumber(ARGV[3 + (i - 1) * 3 + 3])
  local keys = { KEYS[(i - 1) * 3 + 1], KEYS[(i - 1) * 3 + 2], KEYS[(i - 1) * 3 + 3] }
  local entry = {}
  if rpm then
    entry.requests = current(keys[1])
    entry.nextRequests = entry.requests + period / rpm
    local excess = entry.nextRequests - now - period
    if excess > tolerance then refuse(i, 'requests', fmt(excess)) end
  end
  if tpm then
    entry.tokens = current(keys[2])
    entry.nextTokens = entry.tokens + cost * (period / tpm)
    if cost > tpm then
      refuse(i, 'tokens', 'inf')
    else
      local excess = entry.nextTokens - now - period
      if excess > tolerance then refuse(i, 'tokens', fmt(excess)) end
    end
  end
  if concurrent then
    redis.call('ZREMRANGEBYSCORE', keys[3], '-inf', fmt(now))
    if redis.call('ZCARD', keys[3]) >= concurrent then
      local oldest = redis.call('ZRANGE', keys[3], 0, 0, 'WITHSCORES')
      local wait = ${CONCURRENCY_RETRY_HINT_MS}
      if oldest[2] then wait = math.min(wait, tonumber(oldest[2]) - now) end
      refuse(i, 'concurrent', fmt(wait))
    end
  end
  entry.keys = keys
  entry.rpm = rpm
  entry.tpm = tpm
  entry.concurrent = concurrent
  tats[i] = entry
end
local allowed = #refusals == 0
if allowed then
  for i = 1, subjects do
    local entry = tats[i]
    if entry.rpm then
      store(entry.keys[1], entry.nextRequests)
      entry.requests = entry.nextRequests
    end
    if entry.tpm then
      store(entry.keys[2], entry.nextTokens)
      entry.tokens = entry.nextTokens
    end
    if entry.concurrent then
      redis.call('ZADD', entry.keys[3], fmt(now + leaseTtl), requestId)
      if redis.call('PTTL', entry.keys[3]) < leaseTtl then redis.call('PEXPIRE', entry.keys[3], math.ceil(leaseTtl)) end
    end
  end
end
local reply = { allowed and '1' or '0', fmt(now), tostring(#refusals / 3) }
for _, value in ipairs(refusals) do reply[#reply + 1] = value end
for i = 1, subjects do
  local entry = tats[i]
  reply[#reply + 1] = entry.requests and fmt(entry.requests) or ''
  reply[#reply + 1] = entry.tokens and fmt(entry.tokens) or ''
end
return reply
`;

/**
 * KEYS: per subject, its tokens and leases keys (2 each).
 * ARGV: tokens to charge (negative: refund), requestId, then per subject its tokens/minute ('' when absent).
 */
export const completeScript = `${prelude}
local delta = tonumber(ARGV[1])
local requestId = ARGV[2]
for i = 1, #KEYS / 2 do
  local tpm = tonumber(ARGV[2 + i])
  local tokensKey = KEYS[(i - 1) * 2 + 1]
  if tpm and delta ~= 0 then
    -- A refund stops at now (fully replenished): unused estimate never becomes extra credit.
    store(tokensKey, math.max(current(tokensKey) + delta * (period / tpm), now))
  end
  redis.call('ZREM', KEYS[(i - 1) * 2 + 2], requestId)
end
return 1
`;
