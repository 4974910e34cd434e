--[[
  issue-token: store a one-time purchase token bound to a buyer, on the buyer's home shard.
  KEYS[1] tok      token record   {sale:shard}:tok:<token>
  ARGV[1] user id
  ARGV[2] expiry, unix ms (the record expires then)
  Reply: 1 (REPLY_OK) | -10 (REPLY_TOKEN_EXISTS: never reissue a token, used or not)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -10
end
redis.call('HSET', KEYS[1], 'u', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
