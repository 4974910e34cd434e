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
