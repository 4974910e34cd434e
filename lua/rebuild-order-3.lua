--[[
  rebuild-order: put an order MySQL holds back into a shard whose state was lost (Redis came back empty),
  before the shard's stock counter is set again, so nothing sells on the shard meanwhile. Safe to run twice:
  an order whose record exists changes nothing.
  KEYS[1] res      reservation ledger           {sale:shard}:res
  KEYS[2] buyers   per-buyer bought quantity    {sale:shard}:buyers
  KEYS[3] tok      the order's token record     {sale:shard}:tok:<token> (unused when the row has none)
  ARGV[1] order id   ARGV[2] state letter (F confirmed, P paid, C released)   ARGV[3] qty
  ARGV[4] reservation time, unix ms   ARGV[5] user id   ARGV[6] token ('' for none)
  ARGV[7] until when the token's record answers replays, unix ms (its expiry + the replay window)
  Reply:
    Ok (1)      rebuilt: the record, the buyer's count unless it was released, and the token's answer (its
                replay returns this order again, and the token can buy nothing else)
    Already (3) a record exists
]]
--- @include "script-codes"
--- @include "ledger-record"
--- @include "store-outcome"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return Already
end
redis.call('HSET', KEYS[1], ARGV[1], ledgerRecord(ARGV[2], ARGV[3], ARGV[4], ARGV[6], ARGV[5]))
if ARGV[2] ~= 'C' then
  redis.call('HINCRBY', KEYS[2], ARGV[5], tonumber(ARGV[3]))
end
if ARGV[6] ~= '' then
  storeUse(KEYS[3], ARGV[5], ARGV[3], Ok, ARGV[1], tonumber(ARGV[7]))
end
return Ok
