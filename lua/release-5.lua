--[[
  release: give a reservation's stock back exactly once (rolled back, timed out, unpaid, cancelled).
  The record stays, in state C, so a second release finds nothing to return.
  KEYS[1] stock   KEYS[2] buyers   KEYS[3] res   KEYS[4] open   KEYS[5] hold   (one shard, one hash tag)
  ARGV[1] order id
  ARGV[2] sharded pub/sub channel of this shard told that stock came back (clears sold-out flags)
  ARGV[3] sale id (the message)
  Reply: {code, qty}
    Ok (1)        released qty units now
    Already (3)   released before
    NotFound (-8) no reservation, or a tombstone
    StateLost (-11) the shard's stock counter is missing (its state was lost, and it is being rebuilt):
                  nothing returned now; the sweeper returns the units after the rebuild
    Held (-12)    a rebuild of the sale is reading this shard (hold set): nothing returned now; retry
                  later (the sweeper returns the units of a CANCELLED row)
]]
--- @include "script-codes"
--- @include "ledger-record"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {StateLost, 0}
end
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {Held, 0}
end
local rec = redis.call('HGET', KEYS[3], ARGV[1])
if not rec then
  return {NotFound, 0}
end
local state, qty, ms, token, user = parseLedgerRecord(rec)
if not state or state == 'T' then
  return {NotFound, 0}
end
if state == 'C' then
  return {Already, 0}
end
qty = tonumber(qty)
redis.call('INCRBY', KEYS[1], qty)
if redis.call('HINCRBY', KEYS[2], user, -qty) <= 0 then
  redis.call('HDEL', KEYS[2], user)
end
redis.call('HSET', KEYS[3], ARGV[1], ledgerRecord('C', qty, ms, token, user))
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SPUBLISH', ARGV[2], ARGV[3])
return {Ok, qty}
