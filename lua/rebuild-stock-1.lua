--[[
  rebuild-stock: the last step of rebuilding a shard whose state was lost: sets its stock counter (the
  shard's marker) once, after its orders are back. Safe to run twice: a counter that exists is kept.
  KEYS[1] stock   shard stock counter   {sale:shard}:stock
  ARGV[1] stock to hold (integer >= 0)
  Reply:
    Ok (1)      set
    Already (3) the counter exists (another rebuild, or the shard was never lost)
]]
--- @include "script-codes"
if redis.call('SET', KEYS[1], tonumber(ARGV[1]), 'NX') then
  return Ok
end
return Already
