--[[
  reserve: the one atomic step of a purchase, on the buyer's home shard. Records the token's one use, checks
  the per-buyer limit, takes stock, writes the reservation record, indexes it for the sweeper and stores the
  outcome under the token for replays. Tokens are signed (src/admission/purchase-token.ts): the gateway has
  checked the signature and the binding to buyer and sale; an unused token has no record here, the first
  use creates it (kept until the token's expiry + the replay window, so it cannot buy twice). Every check
  runs before the first write: all or nothing. An attempt that reserves nothing (any final answer but Ok)
  tombstones its order id, so every order id of a committed group message has a ledger record, and one
  without a record is evidence of a lost reservation.
  KEYS[1] tok      token use record             {sale:shard}:tok:<token>   u buyer, q qty, c code, o order id
  KEYS[2] stock    shard stock counter          {sale:shard}:stock
  KEYS[3] buyers   per-buyer bought quantity    {sale:shard}:buyers
  KEYS[4] res      reservation ledger           {sale:shard}:res   orderId -> ledger record
  KEYS[5] open     reservations not yet in MySQL, by time   {sale:shard}:open
  ARGV[1] user id           ARGV[2] quantity (positive integer)   ARGV[3] per-buyer limit
  ARGV[4] order id          ARGV[5] now, unix ms                  ARGV[6] token (for the record)
  ARGV[7] final: 1 = an empty shard is a final SOLD_OUT (stored for replays), 0 = report ShardEmpty
  ARGV[8] how long a used token answers replays, ms (its record lives until ARGV[11] + this)
  ARGV[9] sharded pub/sub channel of this shard told of every accepted token   ARGV[10] sale id
  ARGV[11] the token's expiry, unix ms (signed in the token)
  A used token whose stored order id is ARGV[4] is this very call run again (its reply was lost and ioredis
  resent it): this attempt's own reservation, answered Ok, not Replay. Before a stored 202 is answered again
  the script writes it once more (restateOutcome), so the WAIT on this connection covers the reservation.
  Reply: {code, orderId, n}
    Ok (1)             new reservation (or this call's own, run again); n = stock left on this shard
    Replay (2)         token already used with this quantity by another attempt; orderId from the first
                       answer, n = its code
    InvalidToken (-1)  an unused token past its expiry, or a record of another buyer's
    KeyReused (-2)     token already used with another quantity
    LimitExceeded (-3) per-buyer limit would be exceeded (stored)
    SoldOut (-4)       final only (stored)
    ShardEmpty (-5)    not enough stock on this shard; n = stock here; nothing written
    OrderIdTaken (-7)  this order id is already settled (tombstoned by the back-check): retry with a new one
    StateLost (-11)    the shard's stock counter is missing: this Redis lost the sale's state (it came back
                       empty); nothing written, the sale must be rebuilt from MySQL before it sells again
]]
--- @include "script-codes"
--- @include "ledger-record"
--- @include "store-outcome"
local function tombstone()
  redis.call('HSETNX', KEYS[4], ARGV[4], ledgerRecord('T', 0, ARGV[5], '', ''))
end
-- The stock counter exists from warm-up to the sale's expiry (0 included): without it the state is gone,
-- and answering from what is left (a fresh token, an empty ledger) could sell the same stock twice.
local stockNow = redis.call('GET', KEYS[2])
if not stockNow then
  return {StateLost, '', 0}
end
local user = ARGV[1]
local qty = tonumber(ARGV[2])
local t = redis.call('HMGET', KEYS[1], 'u', 'q', 'c', 'o')
if (t[1] and t[1] ~= user) or (not t[3] and tonumber(ARGV[5]) >= tonumber(ARGV[11])) then
  tombstone()
  return {InvalidToken, '', 0}
end
if t[3] then
  -- A stored 202 to be answered again; under this call's own order id it is this call, resent after a lost reply.
  if t[4] and t[2] == ARGV[2] then
    restateOutcome(KEYS[1], t[3])
    if t[4] == ARGV[4] then
      return {Ok, ARGV[4], tonumber(stockNow)}
    end
  end
  tombstone()
  if t[2] ~= ARGV[2] then
    return {KeyReused, '', 0}
  end
  return {Replay, t[4] or '', tonumber(t[3])}
end
if redis.call('HEXISTS', KEYS[4], ARGV[4]) == 1 then
  return {OrderIdTaken, '', 0}
end
-- The record outlives every moment the token could buy: were it gone earlier, the token would be unused again.
local keepUntil = tonumber(ARGV[11]) + tonumber(ARGV[8])
local bought = tonumber(redis.call('HGET', KEYS[3], user) or '0')
if bought + qty > tonumber(ARGV[3]) then
  storeUse(KEYS[1], user, ARGV[2], LimitExceeded, nil, keepUntil)
  tombstone()
  return {LimitExceeded, '', 0}
end
local stock = tonumber(stockNow)
if stock < qty then
  if ARGV[7] == '1' then
    storeUse(KEYS[1], user, ARGV[2], SoldOut, nil, keepUntil)
    tombstone()
    return {SoldOut, '', 0}
  end
  return {ShardEmpty, '', stock}
end
local left = redis.call('DECRBY', KEYS[2], qty)
redis.call('HINCRBY', KEYS[3], user, qty)
redis.call('HSET', KEYS[4], ARGV[4], ledgerRecord('R', qty, ARGV[5], ARGV[6], user))
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[4])
storeUse(KEYS[1], user, ARGV[2], Ok, ARGV[4], keepUntil)
-- Gateways remember accepted tokens, so a replay still reaches Redis after their sold-out flag is set.
-- SPUBLISH: the message stays on this shard's primary and replicas (a PUBLISH reaches every cluster node).
redis.call('SPUBLISH', ARGV[9], ARGV[10] .. '|' .. ARGV[6])
return {Ok, ARGV[4], left}
