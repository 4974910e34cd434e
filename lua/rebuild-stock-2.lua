--[[
  rebuild-stock: the last step of rebuilding a shard whose state was lost: sets its stock counter (the
  shard's marker) once, after its orders are back, and notes when (the back-check reads it). Safe to run
  twice: a counter that exists is kept.
  KEYS[1] stock     shard stock counter                   {sale:shard}:stock
  KEYS[2] rebuilt   when the shard was rebuilt, unix ms   {sale:shard}:rebuilt
  ARGV[1] stock to hold (integer >= 0)   ARGV[2] the rebuild's time, unix ms
  Reply:
    Ok (1)      set
    Already (3) the counter exists (another rebuild, or the shard was never lost)
]]
--- @include "script-codes"
if redis.call('SET', KEYS[1], tonumber(ARGV[1]), 'NX') then
  redis.call('SET', KEYS[2], ARGV[2])
  return Ok
end
return Already
