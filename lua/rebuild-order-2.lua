--[[
  rebuild-order: put one order back into a shard whose state was lost (Redis came back empty), from MySQL
  or from a committed message the writer parked. Runs before the shard's stock counter is set again, so
  nothing can sell on the shard meanwhile. Safe to run twice: an order whose record exists changes nothing.
  KEYS[1] res      reservation ledger           {sale:shard}:res
  KEYS[2] buyers   per-buyer bought quantity    {sale:shard}:buyers
  KEYS[3] open     reservations not yet in MySQL, by time   {sale:shard}:open
  KEYS[4] tok      the order's token record (any key of the shard when it has no token)
  ARGV[1] order id   ARGV[2] state letter (R reserved, F confirmed, P paid, C released)   ARGV[3] qty
  ARGV[4] reservation time, unix ms   ARGV[5] user id   ARGV[6] token ('' for none)
  ARGV[7] how long the token answers replays, ms
  Reply:
    Ok (1)      rebuilt: the record, the buyer's count (unless released), the open index (R) and the
                token's answer (when it has one and its record is gone)
    Already (3) a record exists
]]
--- @include "script-codes"
--- @include "ledger-record"
--- @include "store-outcome"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return Already
end
local state = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], ledgerRecord(state, ARGV[3], ARGV[4], ARGV[6], ARGV[5]))
if state ~= 'C' then
  redis.call('HINCRBY', KEYS[2], ARGV[5], tonumber(ARGV[3]))
end
if state == 'R' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
end
if ARGV[6] ~= '' and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('HSET', KEYS[4], 'u', ARGV[5])
  storeOutcome(KEYS[4], ARGV[3], Ok, ARGV[1], tonumber(ARGV[7]))
end
return Ok
