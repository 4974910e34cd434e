--[[
  lease: take or renew a lease (one sweeper per sale at a time); it lapses after its time unless renewed.
  KEYS[1] lease   {sale}:sweep-lease
  ARGV[1] owner (process id)   ARGV[2] lease time, ms
  Reply:
    Ok (1)      taken or renewed by this owner
    Already (3) held by another owner
]]
--- @include "script-codes"
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return Already
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return Ok
