--[[
  Records a token's use (KEYS tok): u buyer, q quantity, c reply code, o order id (Ok only), so a replay with
  the same key and quantity answers the same until `untilMs` (unix ms). A signed token has no record before
  its first use, so `untilMs` must not come before the token's own expiry: a record gone earlier would let
  the token buy again.
]]
local function storeUse(tokKey, user, qty, code, orderId, untilMs)
  if orderId then
    redis.call('HSET', tokKey, 'u', user, 'q', qty, 'c', code, 'o', orderId)
  else
    redis.call('HSET', tokKey, 'u', user, 'q', qty, 'c', code)
  end
  redis.call('PEXPIREAT', tokKey, untilMs)
end

--[[
  Writes a stored outcome's code again, unchanged, before its 202 is replayed. WAIT counts only the writes
  of its own connection (Redis >= 7.2), and a replay may run on another process or a new connection that
  wrote nothing: this write, replicated after the outcome's own, makes that connection's WAIT cover them.
]]
local function restateOutcome(tokKey, code)
  redis.call('HSET', tokKey, 'c', code)
end
