--[[
  issue-token: store a one-time purchase token bound to a buyer, on the buyer's home shard.
  KEYS[1] tok      token record   {sale:shard}:tok:<token>
  ARGV[1] user id
  ARGV[2] expiry, unix ms (the record expires then)
  Reply:
    Ok (1)            stored
    TokenExists (-10) never reissue a token, used or not
]]
--- @include "script-codes"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return TokenExists
end
redis.call('HSET', KEYS[1], 'u', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return Ok
