--[[
  confirm: the order writer persisted the order in MySQL; mark the reservation CONFIRMED (state F) and drop
  it from the sweeper's open index. Idempotent: only a reserved (R) record changes.
  KEYS[1] res   KEYS[2] open
  ARGV[1] order id
  Reply: 1 confirmed now | 0 not in state R (already confirmed, released or unknown)
]]
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec or string.sub(rec, 1, 1) ~= 'R' then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], 'F' .. string.sub(rec, 2))
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
