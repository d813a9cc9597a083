/**
 * The Lua scripts behind every reservation call. Each counter is two keys that share one hash tag
 * (so a script over several counters of a scope runs on one Redis Cluster slot):
 * - `…:amt`, a hash: `total` (the sum of the live reservations) and `r:<id>` (each one's amount);
 * - `…:exp`, a sorted set: each reservation id scored by the instant (ms) it lapses.
 * Every script first drops the lapsed reservations of its counters (at most 256 per counter per
 * call, so a script stays short), which is how a reservation of a crashed instance ends.
 * Amounts are non-negative integers sent as strings, and are added with HINCRBY so totals stay
 * exact 64-bit integers (Lua's own numbers would print large values in exponent notation).
 * Time is the Redis server's (`TIME`), one clock for every instance.
 */

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function take(amt, exp, id)
  local old = redis.call('HGET', amt, 'r:' .. id)
  if old and old ~= '0' then redis.call('HINCRBY', amt, 'total', '-' .. old) end
  redis.call('HDEL', amt, 'r:' .. id)
  redis.call('ZREM', exp, id)
end

local function purge(amt, exp, now)
  local lapsed = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, 256)
  for _, id in ipairs(lapsed) do take(amt, exp, id) end
end

local function keep(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end

-- Every counter of the call as {amounts key, expiries key}, its lapsed reservations dropped.
local function counters(now)
  local list = {}
  for i = 1, #KEYS / 2 do
    list[i] = {KEYS[2 * i - 1], KEYS[2 * i]}
    purge(list[i][1], list[i][2], now)
  end
  return list
end

local function put(amt, exp, id, amount, lapse, ttl)
  if amount ~= '0' then redis.call('HINCRBY', amt, 'total', amount) end
  redis.call('HSET', amt, 'r:' .. id, amount)
  redis.call('ZADD', exp, lapse, id)
  keep(amt, ttl)
  keep(exp, ttl)
end
`;

/**
 * KEYS: amt1, exp1, amt2, exp2, …  ARGV: id, ttlMs, then per counter amount and limit ('' = none).
 * {0, i, total} when counter i would pass its limit (nothing taken anywhere). Otherwise {1, total1,
 * total2, …}, each counter's live total after the reservation. Reserving an id that is already
 * held changes nothing (and reports the totals).
 */
export const RESERVE_SCRIPT = `${PRELUDE}
local id, ttl, now = ARGV[1], tonumber(ARGV[2]), now_ms()
local list = counters(now)
local function totals()
  local reply = {1}
  for i, c in ipairs(list) do reply[i + 1] = redis.call('HGET', c[1], 'total') or '0' end
  return reply
end
if redis.call('HEXISTS', KEYS[1], 'r:' .. id) == 1 then return totals() end
for i, c in ipairs(list) do
  local limit = ARGV[2 + 2 * i]
  if limit ~= '' then
    local total = redis.call('HGET', c[1], 'total') or '0'
    if tonumber(total) + tonumber(ARGV[1 + 2 * i]) > tonumber(limit) then return {0, i, total} end
  end
end
for i, c in ipairs(list) do put(c[1], c[2], id, ARGV[1 + 2 * i], now + ttl, ttl) end
return totals()
`;

/**
 * KEYS as for reserve. ARGV: id, ttlMs, then per counter the final amount. Replaces the
 * reservation's amount (or adds it, when it lapsed or was never made: what was spent counts) and
 * holds it for ttlMs more.
 */
export const SETTLE_SCRIPT = `${PRELUDE}
local id, ttl, now = ARGV[1], tonumber(ARGV[2]), now_ms()
for i, c in ipairs(counters(now)) do
  take(c[1], c[2], id)
  put(c[1], c[2], id, ARGV[2 + i], now + ttl, ttl)
end
return 1
`;

/**
 * KEYS as for reserve. ARGV: id, afterMs. With afterMs 0 the reservation ends now; otherwise it
 * lapses within afterMs (never later than it already would).
 */
export const RELEASE_SCRIPT = `${PRELUDE}
local id, after, now = ARGV[1], tonumber(ARGV[2]), now_ms()
for _, c in ipairs(counters(now)) do
  if after <= 0 then take(c[1], c[2], id) else redis.call('ZADD', c[2], 'XX', 'LT', now + after, id) end
end
return 1
`;
