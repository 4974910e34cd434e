--[[
  transfer-in: second half of a shard-to-shard transfer; applies a transfer to the recipient at most once.
  KEYS[1] stock   recipient shard stock counter          {sale:to}:stock
  KEYS[2] xin     transfer ids already applied here      {sale:to}:xin
  KEYS[3] hold    set while a rebuild reads the shard    {sale:to}:hold
  ARGV[1] transfer id   ARGV[2] qty
  Reply:
    Ok (1)      applied now
    Already (3) applied before
    StateLost (-11) the recipient's stock counter is missing (its state was lost): nothing applied; the
                    transfer stays on the donor until the shard is rebuilt
    Held (-12)      a rebuild of the sale is reading this shard: nothing applied; the transfer stays on
                    the donor and the sweeper finishes it
]]
--- @include "script-codes"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return StateLost
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return Held
end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return Already
end
redis.call('INCRBY', KEYS[1], tonumber(ARGV[2]))
return Ok
