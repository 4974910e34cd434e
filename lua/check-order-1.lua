--[[
  check-order: the broker's transaction back-check. Says whether the reservation behind an order id
  happened; when it did not, writes a tombstone first, so that a late reserve with this order id can never
  succeed (the reserve script refuses an order id present in the ledger): the rollback is final.
  KEYS[1] res    reservation ledger {sale:shard}:res
  ARGV[1] order id   ARGV[2] now, unix ms
  Reply: 1 COMMIT (a reservation exists, any state but tombstone) | -9 ROLLBACK (tombstoned now or before)
]]
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec then
  if string.sub(rec, 1, 1) == 'T' then
    return -9
  end
  return 1
end
redis.call('HSET', KEYS[1], ARGV[1], 'T|0|' .. ARGV[2] .. '||')
return -9
