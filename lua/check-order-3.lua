--[[
  check-order: the broker's transaction back-check. Says whether the reservation behind an order id
  happened; when it did not, writes a tombstone first, so that a late reserve with this order id can never
  succeed (the reserve script refuses an order id present in the ledger): the rollback is final. A missing
  record proves nothing on a shard whose state was lost: without its stock counter (the marker) the answer
  is "ask again"; after its rebuild, an order reserved before it may have been one the loss took.
  KEYS[1] res      reservation ledger                  {sale:shard}:res
  KEYS[2] stock    shard stock counter (the marker)    {sale:shard}:stock
  KEYS[3] rebuilt  when the shard was rebuilt, unix ms {sale:shard}:rebuilt
  ARGV[1] order id   ARGV[2] now, unix ms   ARGV[3] the order's reservation time, unix ms (from its message)
  Reply:
    Ok (1)          commit: a reservation exists (any state but tombstone)
    RolledBack (-9) roll back: tombstoned now or before
    StateLost (-11) unknown, ask again: the shard's state is lost and not rebuilt yet; nothing written
    Forgotten (4)   commit: no record, on a shard rebuilt after the order's reservation time (the loss may
                    have taken its record); the writer parks it and the sweeper honours it if it can
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
if redis.call('EXISTS', KEYS[2]) == 0 then
  return StateLost
end
local rebuilt = redis.call('GET', KEYS[3])
if rebuilt and tonumber(ARGV[3]) < tonumber(rebuilt) then
  return Forgotten
end
redis.call('HSET', KEYS[1], ARGV[1], ledgerRecord('T', 0, ARGV[2], '', ''))
return RolledBack
