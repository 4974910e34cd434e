--[[
  place: a pre-queue buyer's place, once the sale has started (on Redis's clock); freezes the pre-queue.
  KEYS[1] pq     room:{sale}:pq     KEYS[2] meta   room:{sale}:meta
  ARGV[1] "<lottery>|<buyer>"   ARGV[2] startsAt (unix ms)
  Reply: { place, pre-queue size } ; { -1, 0 } not started yet ; { -2, size } not in the pre-queue
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local frozen = redis.call('HGET', KEYS[2], 'P')
if not frozen then
  if now < tonumber(ARGV[2]) then
    return { -1, 0 }
  end
  frozen = redis.call('ZCARD', KEYS[1])
  redis.call('HSET', KEYS[2], 'P', frozen)
end
local r = redis.call('ZRANK', KEYS[1], ARGV[1])
if not r then
  return { -2, tonumber(frozen) }
end
return { r + 1, tonumber(frozen) }
