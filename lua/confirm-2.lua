--[[
  confirm: the order writer persisted orders in MySQL; mark their reservations CONFIRMED (state F) and drop
  them from the sweeper's open index. Idempotent: only a reserved (R) record changes.
  KEYS[1] res   KEYS[2] open          (one shard)
  ARGV[1..n] order ids of that shard
  Reply: a count, no code: how many were confirmed now (the others were already confirmed, released or unknown)
]]
--- @include "ledger-record"
local n = 0
for i = 1, #ARGV do
  local rec = redis.call('HGET', KEYS[1], ARGV[i])
  if rec and string.sub(rec, 1, 1) == 'R' then
    redis.call('HSET', KEYS[1], ARGV[i], withLedgerState(rec, 'F'))
    redis.call('ZREM', KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n
