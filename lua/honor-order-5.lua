--[[
  honor-order: a committed order whose reservation a Redis failure took (the writer parked it; its record
  and its token are gone) is reserved again after its sale was rebuilt, under its own order id, if its
  shard still has the units and its buyer's limit allows. Like reserve, all checks before the first write;
  safe to run twice (the record makes the second run Already).
  KEYS[1] stock    shard stock counter          {sale:shard}:stock
  KEYS[2] buyers   per-buyer bought quantity    {sale:shard}:buyers
  KEYS[3] res      reservation ledger           {sale:shard}:res
  KEYS[4] open     reservations not yet in MySQL, by time   {sale:shard}:open
  KEYS[5] tok      the order's token record     {sale:shard}:tok:<token> (unused when it has no token)
  ARGV[1] order id   ARGV[2] qty   ARGV[3] reservation time, unix ms   ARGV[4] user id
  ARGV[5] token ('' for a row MySQL received after the rebuild: the writer does not keep tokens)
  ARGV[6] per-buyer limit   ARGV[7] until when the token's record answers replays, unix ms
  Reply: {code, n}
    Ok (1)             reserved again; n = stock left on this shard
    Already (3)        the order has a record (reserved, settled or tombstoned)
    TokenExists (-10)  its token has answered another attempt since: this order is not honoured
    LimitExceeded (-3) the buyer's limit would be exceeded
    ShardEmpty (-5)    too few units on this shard; n = stock here; nothing written
    StateLost (-11)    the shard's stock counter is missing (not rebuilt yet)
]]
--- @include "script-codes"
--- @include "ledger-record"
--- @include "store-outcome"
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {StateLost, 0}
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
  return {Already, 0}
end
local token = ARGV[5]
if token ~= '' and redis.call('HEXISTS', KEYS[5], 'c') == 1 then
  return {TokenExists, 0}
end
local qty = tonumber(ARGV[2])
local user = ARGV[4]
if tonumber(redis.call('HGET', KEYS[2], user) or '0') + qty > tonumber(ARGV[6]) then
  return {LimitExceeded, 0}
end
stock = tonumber(stock)
if stock < qty then
  return {ShardEmpty, stock}
end
local left = redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], user, qty)
redis.call('HSET', KEYS[3], ARGV[1], ledgerRecord('R', qty, ARGV[3], token, user))
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
if token ~= '' then
  storeUse(KEYS[5], user, ARGV[2], Ok, ARGV[1], tonumber(ARGV[7]))
end
return {Ok, left}
