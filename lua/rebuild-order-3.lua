--[[
  rebuild-order: put an order MySQL holds back into a shard whose state was lost (Redis came back empty),
  before the shard's stock counter is set again, so nothing sells on the shard meanwhile. Safe to run twice:
  an order whose record exists changes nothing.
  KEYS[1] res      reservation ledger           {sale:shard}:res
  KEYS[2] buyers   per-buyer bought quantity    {sale:shard}:buyers
  ARGV[1] order id   ARGV[2] state letter (F confirmed, P paid, C released)   ARGV[3] qty
  ARGV[4] reservation time, unix ms   ARGV[5] user id
  Reply:
    Ok (1)      rebuilt: the record, and the buyer's count unless it was released
    Already (3) a record exists
]]
--- @include "script-codes"
--- @include "ledger-record"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return Already
end
redis.call('HSET', KEYS[1], ARGV[1], ledgerRecord(ARGV[2], ARGV[3], ARGV[4], '', ARGV[5]))
if ARGV[2] ~= 'C' then
  redis.call('HINCRBY', KEYS[2], ARGV[5], tonumber(ARGV[3]))
end
return Ok
