--[[
  A reservation record in a shard's ledger (the res hash, order id -> record): "state|qty|ms|token|user".
  state: R reserved (not yet in MySQL) · F confirmed in MySQL · P paid · C released · T tombstone (rolled back)
  Read in TypeScript by src/reservation/ledger.ts, which names the states as words.
]]
local function ledgerRecord(state, qty, ms, token, user)
  return state .. '|' .. qty .. '|' .. ms .. '|' .. token .. '|' .. user
end

-- state, qty, ms, token, user of a record; nil when it is not one.
local function parseLedgerRecord(rec)
  return string.match(rec, '^(%a)|(%d+)|(%d+)|([^|]*)|(.*)$')
end

-- state and qty of a record alone (no copy of its token and user); nil when it is not one.
local function ledgerUnits(rec)
  return string.match(rec, '^(%a)|(%d+)|')
end

-- The same record in another state.
local function withLedgerState(rec, state)
  return state .. string.sub(rec, 2)
end
