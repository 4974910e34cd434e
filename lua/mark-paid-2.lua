--[[
  mark-paid: the order is PAID in MySQL; mark its reservation paid (state P) and drop it from the sweeper's
  open index. Idempotent: only a reserved (R) or confirmed (F) record changes.
  KEYS[1] res   KEYS[2] open          (one shard)
  ARGV[1] order id
  Reply:
    Ok (1)        marked now
    Already (3)   paid before, or released (the state machine never pays a cancelled order)
    NotFound (-8) no reservation, or a tombstone
]]
--- @include "script-codes"
--- @include "ledger-record"
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec then
  return NotFound
end
local state = string.sub(rec, 1, 1)
if state == 'T' then
  return NotFound
end
if state ~= 'R' and state ~= 'F' then
  return Already
end
redis.call('HSET', KEYS[1], ARGV[1], withLedgerState(rec, 'P'))
redis.call('ZREM', KEYS[2], ARGV[1])
return Ok
