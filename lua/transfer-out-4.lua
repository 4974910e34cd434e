--[[
  transfer-out: first half of moving stock between shards of one sale. Takes stock from the donor and
  records the transfer on the donor, so a crash between the halves is finished by the sweeper. Safe to run
  twice with the same transfer id (ioredis resends a command whose reply was lost to a reconnect): a
  recorded transfer takes nothing again and reports its quantity; a finished one reports 0.
  KEYS[1] stock   donor shard stock counter      {sale:donor}:stock
  KEYS[2] xout    donor outgoing transfers       {sale:donor}:xout   id -> "toShard|qty|ms"
  KEYS[3] xdone   donor's finished transfer ids  {sale:donor}:xdone
  KEYS[4] hold    set while a rebuild reads the donor (nothing moves out then)   {sale:donor}:hold
  ARGV[1] transfer id (unique)   ARGV[2] wanted qty   ARGV[3] least useful qty   ARGV[4] recipient shard
  ARGV[5] now, unix ms
  Reply: a count, no code: qty moved out under this id (0 when the donor holds less than the least useful quantity, or is held)
]]
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if prev then
  return tonumber(string.match(prev, '^%d+|(%d+)|'))
end
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then
  return 0
end
local have = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[2])
if have < tonumber(ARGV[3]) or have <= 0 then
  return 0
end
if want > have then
  want = have
end
redis.call('DECRBY', KEYS[1], want)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. '|' .. want .. '|' .. ARGV[5])
return want
