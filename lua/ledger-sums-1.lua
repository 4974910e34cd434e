--[[
  ledger-sums: the units of one shard's ledger by state, summed here so a caller reads four numbers instead of
  every record (the waiting room's sell-out reserve reads them while units are unpaid: room-controller.ts).
  One HSCAN step per call, so a large ledger blocks Redis only for `count` records at a time; HSCAN may
  return a record twice (a rehash), which counts it twice: the sums are an estimate's inputs, not a ledger.
  KEYS[1] res   {sale:shard}:res (order id -> "state|qty|ms|token|user", lua/includes/ledger-record.lua)
  ARGV[1] cursor (0 to start)   ARGV[2] count (HSCAN's hint)
  Reply: {next cursor, units reserved (R), confirmed (F), paid (P), released (C)}; tombstones (T) hold no unit.
]]
--- @include "ledger-record"
local step = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local flat = step[2]
local r, f, p, c = 0, 0, 0, 0
for i = 2, #flat, 2 do
  local state, qty = ledgerUnits(flat[i])
  if state == 'R' then
    r = r + qty
  elseif state == 'F' then
    f = f + qty
  elseif state == 'P' then
    p = p + qty
  elseif state == 'C' then
    c = c + qty
  end
end
return { step[1], r, f, p, c }
