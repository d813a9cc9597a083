/**
 * The Lua scripts behind the budget counters. One budget in one period is two keys sharing the
 * owner's hash tag (so a script over all of an owner's budgets runs on one Redis Cluster slot):
 *
 * - the counter, a hash: `seed` (what the record said when the period was seeded: its presence
 *   is the "seeded" marker), `t1` `t2` `t3` (the live totals of requests, tokens and spend),
 *   `h:<request id>` (a request's hold), `l:<instance id>` (an instance's lease: a slice of the
 *   remainder it serves holds from locally), `s:<request id>` (a settled request, until the
 *   reconcile finds it in the record and drops it);
 * - the expiries, a sorted set of the live holds and leases only (field name → the instant, ms,
 *   it lapses), so it stays as small as the holds in flight.
 *
 * Amounts are packed `requests,tokens,spend` strings; limits the same with `-` for none. Totals
 * change with HINCRBY (exact 64-bit integers); numbers computed in Lua are printed with `%.0f`,
 * never `tostring` (which prints large ones in exponent notation). The counter's expiry (period
 * end plus grace) is set once, when it is seeded; the expiries' when it is created. Time is the
 * Redis server's (`TIME`), one clock for every instance.
 */

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function split(packed)
  local list = {}
  for v in string.gmatch(packed, '[^,]+') do list[#list + 1] = v end
  return list
end

local function int(n) return string.format('%.0f', n) end

local function add_totals(counter, amounts, sign)
  for i = 1, 3 do
    if amounts[i] ~= '0' then redis.call('HINCRBY', counter, 't' .. i, sign .. amounts[i]) end
  end
end

local function totals(counter)
  local t = redis.call('HMGET', counter, 't1', 't2', 't3')
  return {t[1] or '0', t[2] or '0', t[3] or '0'}
end

-- Ends a hold or a lease (field h:<id> or l:<id>): its amounts leave the totals.
local function drop(counter, expiries, field)
  local old = redis.call('HGET', counter, field)
  if not old then return end
  add_totals(counter, split(old), '-')
  redis.call('HDEL', counter, field)
  redis.call('ZREM', expiries, field)
end

local function put(counter, expiries, field, packed, lapse, period_ttl)
  add_totals(counter, split(packed), '')
  redis.call('HSET', counter, field, packed)
  if redis.call('ZADD', expiries, lapse, field) == 1 and redis.call('ZCARD', expiries) == 1 then
    redis.call('PEXPIRE', expiries, period_ttl)
  end
end

-- Holds and leases of crashed instances lapse: at most 64 per call, so a script stays short.
local function purge(counter, expiries, now)
  for _, field in ipairs(redis.call('ZRANGEBYSCORE', expiries, '-inf', now, 'LIMIT', 0, 64)) do drop(counter, expiries, field) end
end
`;

/**
 * KEYS: counter1, expiries1, counter2, … (the budgets of one owner). ARGV: request id, hold ttl
 * ms, then per budget: period ttl ms, amounts, limits. {2, b} when budget b is not seeded (nothing
 * taken); {0, b, metric index, total} when budget b would pass a limit (nothing taken anywhere);
 * otherwise {1, then each budget's three totals after the hold}. Holding an id already held
 * changes nothing and reports the totals.
 */
export const HOLD_SCRIPT = `${PRELUDE}
local id, ttl, now = 'h:' .. ARGV[1], tonumber(ARGV[2]), now_ms()
local budgets = #KEYS / 2
for b = 1, budgets do
  if redis.call('HEXISTS', KEYS[2 * b - 1], 'seed') == 0 then return {2, b} end
end
local function reply()
  local r = {1}
  for b = 1, budgets do
    for _, t in ipairs(totals(KEYS[2 * b - 1])) do r[#r + 1] = t end
  end
  return r
end
if redis.call('HEXISTS', KEYS[1], id) == 1 then return reply() end
for b = 1, budgets do
  local counter = KEYS[2 * b - 1]
  purge(counter, KEYS[2 * b], now)
  local amounts, limits, t = split(ARGV[3 * b + 1]), split(ARGV[3 * b + 2]), totals(counter)
  for i = 1, 3 do
    if limits[i] ~= '-' and tonumber(t[i]) + tonumber(amounts[i]) > tonumber(limits[i]) then return {0, b, i, t[i]} end
  end
end
for b = 1, budgets do put(KEYS[2 * b - 1], KEYS[2 * b], id, ARGV[3 * b + 1], now + ttl, tonumber(ARGV[3 * b])) end
return reply()
`;

/**
 * One instance's batch for one owner: settled requests, and its leases resized. KEYS as for hold.
 * ARGV: lease field (`l:<instance id>`), lease ttl ms, then per budget: period ttl ms, limits,
 * lease floor ('' = leave the lease alone), lease wanted, the number m of settled requests, their
 * summed amounts, a flag per request in one string ('1': it was held in Redis on its own, '0':
 * served from a lease), then the m request ids, then their m amounts.
 *
 * A settled request replaces its hold, if it had one (`s:<id>` holds what it used); settling an id
 * twice counts it once. The settled ids are looked up and written a thousand at a time (HMGET,
 * HSET), not one call each: a flush carries hundreds of requests per budget, and a call from Lua
 * costs more than the field it writes. The totals change once per budget, by the batch's sum less
 * the requests already settled. The lease becomes max(floor, min(wanted, limit − everything else)) per
 * metric: never less than the floor (what the instance may already have promised from it: its
 * requests in flight and the room it serves from while this runs), never more than the limit
 * leaves. Reply per budget: status (1, or 2 when the budget is not seeded: nothing was done for
 * it), the lease's three amounts, and the three totals without the lease.
 */
export const FLUSH_SCRIPT = `${PRELUDE}
local lease, lease_ttl, now = ARGV[1], tonumber(ARGV[2]), now_ms()
local CHUNK = 1000

-- Settles requests ids[first .. first + m - 1] (amounts at first + m …): each new one is written as
-- s:<id> and ends its hold if it had one; the ones already settled (or twice in the batch) leave the sum.
local function settle(counter, expiries, first, m, flags, sum)
  local seen = {}
  for from = 0, m - 1, CHUNK do
    local to = math.min(from + CHUNK, m) - 1
    local fields = {}
    for j = from, to do fields[#fields + 1] = 's:' .. ARGV[first + j] end
    local existing = redis.call('HMGET', counter, unpack(fields))
    local writes = {}
    for j = from, to do
      local field, used = fields[j - from + 1], ARGV[first + m + j]
      if existing[j - from + 1] or seen[field] then
        local u = split(used)
        for i = 1, 3 do sum[i] = sum[i] - tonumber(u[i]) end
      else
        seen[field] = true
        writes[#writes + 1] = field
        writes[#writes + 1] = used
        if string.byte(flags, j + 1) == 49 then drop(counter, expiries, 'h:' .. ARGV[first + j]) end
      end
    end
    if #writes > 0 then redis.call('HSET', counter, unpack(writes)) end
  end
end

local reply, at = {}, 3
for b = 1, #KEYS / 2 do
  local counter, expiries = KEYS[2 * b - 1], KEYS[2 * b]
  local period_ttl, limits, floor, wanted, settled = tonumber(ARGV[at]), split(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3], tonumber(ARGV[at + 4])
  local sum, flags, first = split(ARGV[at + 5]), ARGV[at + 6], at + 7
  at = first + 2 * settled
  if redis.call('HEXISTS', counter, 'seed') == 0 then
    for _, v in ipairs({2, 0, 0, 0, 0, 0, 0}) do reply[#reply + 1] = v end
  else
    purge(counter, expiries, now)
    for i = 1, 3 do sum[i] = tonumber(sum[i]) end
    if settled > 0 then settle(counter, expiries, first, settled, flags, sum) end
    for i = 1, 3 do
      if sum[i] ~= 0 then redis.call('HINCRBY', counter, 't' .. i, int(sum[i])) end
    end
    if floor ~= '' then drop(counter, expiries, lease) end
    local others = totals(counter)
    local held = {'0', '0', '0'}
    if floor ~= '' then
      local f, w = split(floor), split(wanted)
      local any = false
      for i = 1, 3 do
        local size = tonumber(w[i])
        if limits[i] ~= '-' then size = math.min(size, tonumber(limits[i]) - tonumber(others[i])) end
        size = math.max(tonumber(f[i]), size, 0)
        held[i] = int(size)
        if size > 0 then any = true end
      end
      if any then put(counter, expiries, lease, table.concat(held, ','), now + lease_ttl, period_ttl) end
    else
      held = split(redis.call('HGET', counter, lease) or '0,0,0')
      for i = 1, 3 do others[i] = int(tonumber(others[i]) - tonumber(held[i])) end
    end
    reply[#reply + 1] = 1
    for i = 1, 3 do reply[#reply + 1] = held[i] end
    for i = 1, 3 do reply[#reply + 1] = others[i] end
  end
end
return reply
`;

/** KEYS as for hold. ARGV: request id. Ends the request's holds now. */
export const RELEASE_SCRIPT = `${PRELUDE}
for b = 1, #KEYS / 2 do drop(KEYS[2 * b - 1], KEYS[2 * b], 'h:' .. ARGV[1]) end
return 1
`;

/**
 * KEYS: counter. ARGV: period ttl ms, the record's amounts. Set-if-absent: two instances seeding
 * at once count the record once. Sets the counter's expiry.
 */
export const SEED_SCRIPT = `${PRELUDE}
if redis.call('HSETNX', KEYS[1], 'seed', ARGV[2]) == 1 then
  add_totals(KEYS[1], split(ARGV[2]), '')
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return 1
`;

/**
 * KEYS: counter, expiries. ARGV: the record's amounts ('' = leave the seed), then request ids the
 * record holds: the seed becomes the record and those requests stop counting on their own (their
 * settled amount, or a hold never settled), in one step. 0 when the counter is not seeded.
 */
export const RECONCILE_SCRIPT = `${PRELUDE}
local counter, expiries = KEYS[1], KEYS[2]
local seed = redis.call('HGET', counter, 'seed')
if not seed then return 0 end
if ARGV[1] ~= '' then
  local old, new = split(seed), split(ARGV[1])
  for i = 1, 3 do
    local delta = tonumber(new[i]) - tonumber(old[i])
    if delta ~= 0 then redis.call('HINCRBY', counter, 't' .. i, int(delta)) end
  end
  redis.call('HSET', counter, 'seed', ARGV[1])
end
for j = 2, #ARGV do
  local done = redis.call('HGET', counter, 's:' .. ARGV[j])
  if done then
    add_totals(counter, split(done), '-')
    redis.call('HDEL', counter, 's:' .. ARGV[j])
  else
    drop(counter, expiries, 'h:' .. ARGV[j])
  end
end
return 1
`;
