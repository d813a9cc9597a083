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
