import { luaScript } from '@byok/reservations';

/**
 * One key's failure state changes in one script, so attempts failing on several instances at
 * once count exactly (HINCRBY), and every instance learns the result from the same message.
 * Times are the calling instance's clock in epoch ms (instances are expected to run NTP).
 *
 * KEYS: state hash, blocked set. The message published is `keyId|cu|cs|f|ou|fs`.
 */
const PUBLISH_STATE = `
local function publish(s, blocked, id, channel, now)
  local st = redis.call('HMGET', s, 'cu', 'cs', 'f', 'ou', 'fs')
  local untilMs = math.max(tonumber(st[1] or '0'), tonumber(st[4] or '0'))
  if untilMs > now then redis.call('ZADD', blocked, untilMs, id) else redis.call('ZREM', blocked, id) end
  redis.call('ZREMRANGEBYSCORE', blocked, '-inf', now)
  local msg = id
  for i = 1, 5 do msg = msg .. '|' .. string.format('%d', tonumber(st[i] or '0')) end
  redis.call('PUBLISH', channel, msg)
  return msg
end
`;

/**
 * ARGV: keyId, kind (`cool` | `fault`), now, Retry-After ms (-1: none), baseCooldownMs,
 * maxCooldownMs, circuitFaults, circuitOpenMs, state TTL ms, channel.
 *
 * For `cool`, the duration is the Retry-After when given, else base * 2^(streak-1) capped, with
 * the streak counted here so that instances cooling the same key at once each double it once. A
 * cool-down never shortens one already in force. For `fault`, the consecutive-fault count grows
 * and, from the threshold on, the circuit opens (again, after a failed half-open trial).
 */
export const RECORD_FAILURE = luaScript(`${PUBLISH_STATE}
local s, blocked = KEYS[1], KEYS[2]
local id, kind, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
if tonumber(redis.call('HGET', s, 'fs') or '0') == 0 then redis.call('HSET', s, 'fs', string.format('%d', now)) end
if kind == 'cool' then
  local streak = redis.call('HINCRBY', s, 'cs', 1)
  local ms = tonumber(ARGV[4])
  if ms < 0 then ms = math.min(tonumber(ARGV[5]) * 2 ^ math.min(streak - 1, 30), tonumber(ARGV[6])) end
  local untilMs = now + ms
  if untilMs > tonumber(redis.call('HGET', s, 'cu') or '0') then redis.call('HSET', s, 'cu', string.format('%d', untilMs)) end
else
  local faults = redis.call('HINCRBY', s, 'f', 1)
  if faults >= tonumber(ARGV[7]) then redis.call('HSET', s, 'ou', string.format('%d', now + tonumber(ARGV[8]))) end
end
redis.call('PEXPIRE', s, ARGV[9])
return publish(s, blocked, id, ARGV[10], now)
`);

/**
 * A success ends the streak, the fault count and the circuit; a cool-down still in force stays
 * (another instance's 429 may be newer than this success). ARGV: keyId, now, channel.
 */
export const RECORD_SUCCESS = luaScript(`${PUBLISH_STATE}
local s, blocked = KEYS[1], KEYS[2]
local id, now = ARGV[1], tonumber(ARGV[2])
redis.call('HDEL', s, 'cs', 'f', 'ou', 'fs')
if tonumber(redis.call('HGET', s, 'cu') or '0') <= now then redis.call('HDEL', s, 'cu') end
return publish(s, blocked, id, ARGV[3], now)
`);

/**
 * Forgets a key's failure state (its text was replaced: what the old text earned says nothing
 * about the new one), ends any half-open trial, and publishes the clear state so every instance
 * drops its copy. The minute stats stay: they are the key's history. KEYS: state hash, blocked
 * set, trial key. ARGV: keyId, channel.
 */
export const FORGET_STATE = luaScript(`
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
local msg = ARGV[1] .. '|0|0|0|0|0'
redis.call('PUBLISH', ARGV[2], msg)
return msg
`);

/**
 * One key's health as a listing shows it, summed in Redis so a listing costs one command per key
 * instead of one per hash (the state and fifteen minutes). KEYS: the state hash, then the minute
 * hashes (all under the key's hash tag, one Cluster slot). ARGV: the number of latency buckets.
 * Returns `[cu, ou, fs, requests, errors, b0, b1, …]`; a missing or non-numeric field counts 0.
 */
export const READ_HEALTH = luaScript(`
local st = redis.call('HMGET', KEYS[1], 'cu', 'ou', 'fs')
local buckets = tonumber(ARGV[1])
local out = {tonumber(st[1] or '0') or 0, tonumber(st[2] or '0') or 0, tonumber(st[3] or '0') or 0, 0, 0}
for b = 1, buckets do out[5 + b] = 0 end
for k = 2, #KEYS do
  local h = redis.call('HGETALL', KEYS[k])
  for i = 1, #h, 2 do
    local field, value = h[i], tonumber(h[i + 1]) or 0
    if field == 'r' then out[4] = out[4] + value
    elseif field == 'e' then out[5] = out[5] + value
    elseif string.sub(field, 1, 1) == 'b' then
      local b = tonumber(string.sub(field, 2))
      if b ~= nil and b >= 0 and b < buckets then out[6 + b] = out[6 + b] + value end
    end
  end
end
return out
`);

/**
 * Takes a key's half-open trial for all instances. KEYS: the trial key. ARGV: the circuit round
 * (the `ou` the circuit opened until, the same on every instance), the hold in ms. The key holds
 * the round whose trial is taken: a second taker of that round is refused, while a trial of an
 * earlier round (its verdict already in, or its holder gone) never blocks the next. Returns 1
 * when taken.
 */
export const TAKE_TRIAL = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);
