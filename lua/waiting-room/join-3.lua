--[[
  join: one place per buyer in a sale's waiting room, decided on Redis's clock (one clock for every gateway).
  KEYS[1] members  buyer → "q|<joined ms>" (pre-queue) or "<place>|<joined ms>"   room:{sale}:members
  KEYS[2] pq       the pre-queue, "<lottery>|<buyer>" at score 0 (lexicographic = place order)   room:{sale}:pq
  KEYS[3] meta     counters: pq (pre-queue joins), fcfs (joins after the start), P (pre-queue size, frozen)
  ARGV[1] buyer id   ARGV[2] startsAt (unix ms)   ARGV[3] lottery (hex)   ARGV[4] keys expire at (unix ms)
  Reply: { 1 (joined now) or 0 (joined before: the same record), record }
]]
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec then
  return { 0, rec }
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
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
