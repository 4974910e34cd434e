--[[
  replay: a used token's stored answer, for a key pressed again by a buyer this gateway knows bought: no
  transactional message, no tombstone, no stock or ledger touched. A stored 202 is written once more
  (restateOutcome) so that the WAIT this connection sends next covers the reservation, whichever process or
  connection made it: WAIT counts only its own connection's writes.
  KEYS[1] tok      token record                 {sale:shard}:tok:<token>
  ARGV[1] user id           ARGV[2] quantity
  Reply: {code, orderId, n}
    Replay (2)         token used with this quantity; orderId of the stored 202 ('' otherwise), n = its code
    KeyReused (-2)     token used with another quantity
    NotFound (-8)      no stored answer for this buyer (unused, unknown or another's token): nothing written,
                       the attempt goes through reserve
]]
--- @include "script-codes"
--- @include "store-outcome"
local t = redis.call('HMGET', KEYS[1], 'u', 'q', 'c', 'o')
if not t[3] or t[1] ~= ARGV[1] then
  return {NotFound, '', 0}
end
if t[2] ~= ARGV[2] then
  return {KeyReused, '', 0}
end
if t[4] then
  restateOutcome(KEYS[1], t[3])
end
return {Replay, t[4] or '', tonumber(t[3])}
