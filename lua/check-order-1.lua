--[[
  check-order: the broker's transaction back-check. Says whether the reservation behind an order id
  happened; when it did not, writes a tombstone first, so that a late reserve with this order id can never
  succeed (the reserve script refuses an order id present in the ledger): the rollback is final.
  KEYS[1] res    reservation ledger {sale:shard}:res
  ARGV[1] order id   ARGV[2] now, unix ms
  Reply:
    Ok (1)          commit: a reservation exists (any state but tombstone)
    RolledBack (-9) roll back: tombstoned now or before
]]
--- @include "script-codes"
--- @include "ledger-record"
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec then
  if string.sub(rec, 1, 1) == 'T' then
    return RolledBack
  end
  return Ok
end
redis.call('HSET', KEYS[1], ARGV[1], ledgerRecord('T', 0, ARGV[2], '', ''))
return RolledBack
