--[[
  restore-record: put back the ledger record of an order MySQL holds but the ledger lost (the sweeper's
  repair of a row without a record). Never overwrites a record, and moves no stock: the stock counters are
  the stock accounting's business (stats drift), not this record's.
  KEYS[1] res   reservation ledger {sale:shard}:res
  ARGV[1] order id   ARGV[2] state letter (F confirmed, P paid, C released)   ARGV[3] qty
  ARGV[4] reservation time, unix ms   ARGV[5] user id
  Reply:
    Ok (1)      restored
    Already (3) a record exists
]]
--- @include "script-codes"
--- @include "ledger-record"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return Already
end
redis.call('HSET', KEYS[1], ARGV[1], ledgerRecord(ARGV[2], ARGV[3], ARGV[4], '', ARGV[5]))
return Ok
