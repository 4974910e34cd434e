--[[
  Reply codes of every script, named as the TypeScript enum ScriptCode (src/redis/script-replies.ts);
  test/unit/script-replies.test.ts checks that both agree, and that each script's header names its replies.
]]
local Ok = 1
local Replay = 2
local Already = 3
local Forgotten = 4
local InvalidToken = -1
local KeyReused = -2
local LimitExceeded = -3
local SoldOut = -4
local ShardEmpty = -5
local SaleLocked = -6
local OrderIdTaken = -7
local NotFound = -8
local RolledBack = -9
local TokenExists = -10
local StateLost = -11
local Held = -12
