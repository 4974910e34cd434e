--[[
  warm-shard: set one stock shard of a sale that has not started selling.
  Refuses once any reservation exists on the shard, so warming can never erase sold stock.
  KEYS[1] stock    shard stock counter        {sale:shard}:stock
  KEYS[2] res      shard reservation ledger   {sale:shard}:res
  KEYS[3] xout     shard outgoing transfers   {sale:shard}:xout
  ARGV[1] stock to hold on this shard (integer >= 0). The counter is kept at 0 too: it is the shard's marker,
          and reserve, release and transfer-in refuse (StateLost) on a shard without it.
  ARGV[2] when the counter expires, unix ms (the sale's end + retention); 0 or absent: no expiry. Set here,
          so the counter expires with the sale even if no sweep ever runs after its end (the scripts that
          change it later keep the expiry: DECRBY and INCRBY do).
  Reply:
    Ok (1)          set
    SaleLocked (-6) the shard holds reservations or transfers
]]
--- @include "script-codes"
if redis.call('HLEN', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then
  return SaleLocked
end
local expiresAt = tonumber(ARGV[2] or '0') or 0
if expiresAt > 0 then
  redis.call('SET', KEYS[1], tonumber(ARGV[1]), 'PXAT', expiresAt)
else
  redis.call('SET', KEYS[1], tonumber(ARGV[1]))
end
return Ok
