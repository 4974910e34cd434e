--[[
  join: one place per buyer in a sale's waiting room, decided on Redis's clock (one clock for every gateway),
  after the attempt is counted against the join limits: the whole join, re-joins and refusals included, is
  this one call.
  KEYS[1] members  buyer → "q|<joined ms>" (pre-queue) or "<place>|<joined ms>"   room:{sale}:members
  KEYS[2] pq       the pre-queue, "<lottery>|<buyer>" at score 0 (lexicographic = place order)   room:{sale}:pq
  KEYS[3] meta     counters: pq (pre-queue joins), fcfs (joins after the start), P (pre-queue size, frozen)
  KEYS[4] attempts of this buyer in the window    room:{sale}:rl:b:<buyer>
  KEYS[5] attempts from this address in the window    room:{sale}:rl:ip:<address> (any room key when exempt)
  ARGV[1] buyer id   ARGV[2] startsAt (unix ms)   ARGV[3] lottery (hex)   ARGV[4] keys expire at (unix ms)
  ARGV[5] 1: the proof is good (checked by the gateway), 0: missing or wrong
  ARGV[6..8]  the buyer's limit: points (0: none), window ms, block ms
  ARGV[9..11] the address's limit: points (0: none, an exempt address), window ms, block ms
  Reply: { 1 (joined now) or 0 (joined before: the same record), record } ;
         { -1, '' } not in the room and no good proof ; { -2, ms until the window ends, 'ip' or 'buyer' } limited
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = tonumber(ARGV[4])

-- A fixed window: the first attempt starts it; past its points the attempt is refused (and, with a block, the
-- key lives on for the block from the first refused attempt). Never outlives the room's keys.
local function limited(key, points, window, block)
  if points <= 0 then
    return nil
  end
  local n = redis.call('INCR', key)
  if n == 1 then
    redis.call('PEXPIREAT', key, math.min(now + window, expires))
  end
  if n <= points then
    return nil
  end
  if n == points + 1 and block > 0 then
    redis.call('PEXPIREAT', key, math.min(now + block, expires))
  end
  return math.max(redis.call('PTTL', key), 0)
end

-- The address first: its refusal takes no point from the buyer.
local ms = limited(KEYS[5], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]))
if ms then
  return { -2, ms, 'ip' }
end
ms = limited(KEYS[4], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]))
if ms then
  return { -2, ms, 'buyer' }
end

local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec then
  return { 0, rec }
end
if ARGV[5] ~= '1' then
  return { -1, '' }
end
local frozen = redis.call('HEXISTS', KEYS[3], 'P') == 1
if now < tonumber(ARGV[2]) and not frozen then
  redis.call('ZADD', KEYS[2], 0, ARGV[3] .. '|' .. ARGV[1])
  redis.call('HINCRBY', KEYS[3], 'pq', 1)
  rec = 'q|' .. now
else
  -- The first join after the start freezes the pre-queue: its size is every later place's offset.
  if not frozen then
    redis.call('HSET', KEYS[3], 'P', redis.call('ZCARD', KEYS[2]))
  end
  local n = redis.call('HINCRBY', KEYS[3], 'fcfs', 1)
  rec = (tonumber(redis.call('HGET', KEYS[3], 'P')) + n) .. '|' .. now
end
redis.call('HSET', KEYS[1], ARGV[1], rec)
for i = 1, 3 do
  redis.call('PEXPIREAT', KEYS[i], ARGV[4])
end
return { 1, rec }
