--[[
  Stores a purchase attempt's final outcome under its token (KEYS tok), so a replay with the same key and
  quantity answers the same for `keepMs`: q quantity, c reply code, o order id (Ok only).
]]
local function storeOutcome(tokKey, qty, code, orderId, keepMs)
  if orderId then
    redis.call('HSET', tokKey, 'q', qty, 'c', code, 'o', orderId)
  else
    redis.call('HSET', tokKey, 'q', qty, 'c', code)
  end
  redis.call('PEXPIRE', tokKey, keepMs)
end

--[[
  Writes a stored outcome's code again, unchanged, before its 202 is replayed. WAIT counts only the writes
  of its own connection (Redis >= 7.2), and a replay may run on another process or a new connection that
  wrote nothing: this write, replicated after the outcome's own, makes that connection's WAIT cover them.
]]
local function restateOutcome(tokKey, code)
  redis.call('HSET', tokKey, 'c', code)
end
