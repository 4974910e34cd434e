--[[
  warm-shard: set one stock shard of a sale that has not started selling.
  Refuses once any reservation exists on the shard, so warming can never erase sold stock.
  KEYS[1] stock    shard stock counter        {sale:shard}:stock
  KEYS[2] res      shard reservation ledger   {sale:shard}:res
  KEYS[3] xout     shard outgoing transfers   {sale:shard}:xout
  ARGV[1] stock to hold on this shard (integer >= 0; 0 deletes the counter)
  Reply:
    Ok (1)          set
    SaleLocked (-6) the shard holds reservations or transfers
]]
--- @include "script-codes"
if redis.call('HLEN', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then
  return SaleLocked
end
local n = tonumber(ARGV[1])
if n > 0 then
  redis.call('SET', KEYS[1], n)
else
  redis.call('DEL', KEYS[1])
end
return Ok
