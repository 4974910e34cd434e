--[[
  transfer-done: the recipient has applied a transfer (transfer-in); the donor drops its pending record and
  remembers the id as finished, so a resent transfer-out with that id takes nothing. Safe to run twice.
  KEYS[1] xout    donor outgoing transfers       {sale:donor}:xout
  KEYS[2] xdone   donor's finished transfer ids  {sale:donor}:xdone
  ARGV[1] transfer id
  Reply:
    Ok (1)      finished now
    Already (3) finished before
]]
--- @include "script-codes"
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  return Ok
end
return Already
