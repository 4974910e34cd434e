/**
 * What the Lua scripts answer, in one place: the reply codes (named as in each script's header and in
 * lua/includes/script-codes.lua) and one mapper per script from its raw reply to a typed outcome. A code a
 * script does not list is a bug or a version mix-up: it throws UnexpectedScriptReply, never guessed.
 */
export enum ScriptCode {
  Ok = 1,
  Replay = 2,
  Already = 3,
  Forgotten = 4,
  InvalidToken = -1,
  KeyReused = -2,
  LimitExceeded = -3,
  SoldOut = -4,
  ShardEmpty = -5,
  SaleLocked = -6,
  OrderIdTaken = -7,
  NotFound = -8,
  RolledBack = -9,
  TokenExists = -10,
  StateLost = -11,
  Held = -12,
}

export class UnexpectedScriptReply extends Error {
  override name = "UnexpectedScriptReply";
  constructor(script: string, reply: unknown) {
    super(`${script}: unexpected reply ${JSON.stringify(reply)}`);
  }
}

/** What a purchase attempt came to. `replayed` marks an answer repeated from the token's first use. */
export type ReserveOutcome =
  | { kind: "reserved"; orderId: string; replayed: boolean }
  | { kind: "sold_out"; replayed: boolean }
  | { kind: "limit_exceeded"; replayed: boolean }
  | { kind: "invalid_token" }
  | { kind: "key_reused" }
  | { kind: "order_id_taken" }
  | { kind: "shard_empty"; shardStock: number }
  /** The shard's stock counter is gone: this Redis lost the sale's state; nothing was written. */
  | { kind: "state_lost" };

/** held: a rebuild of the sale is reading the shard; nothing returned now (the sweeper returns a CANCELLED row's units). */
export type ReleaseOutcome =
  | { kind: "released"; quantity: number }
  | { kind: "already_released" }
  | { kind: "not_found" }
  | { kind: "state_lost" }
  | { kind: "held" };
export type WarmShardOutcome = "warmed" | "locked";
export type TransferInOutcome = "applied" | "already_applied" | "state_lost" | "held";
/**
 * unknown: the shard's state is lost and not rebuilt yet (ask again later); forgotten: no record on a shard
 * rebuilt after the order's reservation time, so the loss may have taken it (commit: parked, then honoured).
 */
export type CheckOrderOutcome = "commit" | "rollback" | "unknown" | "forgotten";
export type MarkPaidOutcome = "marked" | "already" | "not_found";
export type LeaseOutcome = "held" | "taken";
export type RestoreRecordOutcome = "restored" | "exists";
export type TransferDoneOutcome = "finished" | "already_finished";
export type RebuildOutcome = "rebuilt" | "exists";
export type HonorOutcome =
  | { kind: "honored" }
  | { kind: "already" }
  | { kind: "token_used" }
  | { kind: "limit_exceeded" }
  | { kind: "shard_empty"; shardStock: number }
  | { kind: "state_lost" };

export function reserveOutcome(reply: [number, string, number]): ReserveOutcome {
  const [code, orderId, n] = reply;
  switch (code) {
    case ScriptCode.Ok:
      return { kind: "reserved", orderId, replayed: false };
    case ScriptCode.Replay:
      // n holds the stored first outcome's code.
      if (n === ScriptCode.Ok) return { kind: "reserved", orderId, replayed: true };
      if (n === ScriptCode.SoldOut) return { kind: "sold_out", replayed: true };
      if (n === ScriptCode.LimitExceeded) return { kind: "limit_exceeded", replayed: true };
      throw new UnexpectedScriptReply("reserve (stored outcome)", reply);
    case ScriptCode.InvalidToken:
      return { kind: "invalid_token" };
    case ScriptCode.KeyReused:
      return { kind: "key_reused" };
    case ScriptCode.LimitExceeded:
      return { kind: "limit_exceeded", replayed: false };
    case ScriptCode.SoldOut:
      return { kind: "sold_out", replayed: false };
    case ScriptCode.ShardEmpty:
      return { kind: "shard_empty", shardStock: n };
    case ScriptCode.OrderIdTaken:
      return { kind: "order_id_taken" };
    case ScriptCode.StateLost:
      return { kind: "state_lost" };
    default:
      throw new UnexpectedScriptReply("reserve", reply);
  }
}

/** The replay script: a stored answer as reserve's replay gives it, or null when the token has none for this buyer. */
export function replayOutcome(reply: [number, string, number]): ReserveOutcome | null {
  const [code] = reply;
  if (code === ScriptCode.NotFound) return null;
  if (code === ScriptCode.Replay || code === ScriptCode.KeyReused) return reserveOutcome(reply);
  throw new UnexpectedScriptReply("replay", reply);
}

export function releaseOutcome(reply: [number, number]): ReleaseOutcome {
  const [code, qty] = reply;
  if (code === ScriptCode.Ok) return { kind: "released", quantity: qty };
  if (code === ScriptCode.Already) return { kind: "already_released" };
  if (code === ScriptCode.NotFound) return { kind: "not_found" };
  if (code === ScriptCode.StateLost) return { kind: "state_lost" };
  if (code === ScriptCode.Held) return { kind: "held" };
  throw new UnexpectedScriptReply("release", reply);
}

export function honorOutcome(reply: [number, number]): HonorOutcome {
  const [code, n] = reply;
  switch (code) {
    case ScriptCode.Ok:
      return { kind: "honored" };
    case ScriptCode.Already:
      return { kind: "already" };
    case ScriptCode.TokenExists:
      return { kind: "token_used" };
    case ScriptCode.LimitExceeded:
      return { kind: "limit_exceeded" };
    case ScriptCode.ShardEmpty:
      return { kind: "shard_empty", shardStock: n };
    case ScriptCode.StateLost:
      return { kind: "state_lost" };
    default:
      throw new UnexpectedScriptReply("honor-order", reply);
  }
}

/** A script whose reply is a bare code: each code it lists maps to one outcome, any other throws. */
function codeMapper<O extends string>(script: string, outcomes: Partial<Record<ScriptCode, O>>): (code: number) => O {
  return (code) => {
    const out = outcomes[code as ScriptCode];
    if (out === undefined) throw new UnexpectedScriptReply(script, code);
    return out;
  };
}

export const warmShardOutcome = codeMapper<WarmShardOutcome>("warm-shard", {
  [ScriptCode.Ok]: "warmed",
  [ScriptCode.SaleLocked]: "locked",
});
export const transferInOutcome = codeMapper<TransferInOutcome>("transfer-in", {
  [ScriptCode.Ok]: "applied",
  [ScriptCode.Already]: "already_applied",
  [ScriptCode.StateLost]: "state_lost",
  [ScriptCode.Held]: "held",
});
export const rebuildOrderOutcome = codeMapper<RebuildOutcome>("rebuild-order", {
  [ScriptCode.Ok]: "rebuilt",
  [ScriptCode.Already]: "exists",
});
export const rebuildStockOutcome = codeMapper<RebuildOutcome>("rebuild-stock", {
  [ScriptCode.Ok]: "rebuilt",
  [ScriptCode.Already]: "exists",
});
export const markPaidOutcome = codeMapper<MarkPaidOutcome>("mark-paid", {
  [ScriptCode.Ok]: "marked",
  [ScriptCode.Already]: "already",
  [ScriptCode.NotFound]: "not_found",
});
export const leaseOutcome = codeMapper<LeaseOutcome>("lease", {
  [ScriptCode.Ok]: "held",
  [ScriptCode.Already]: "taken",
});
export const restoreRecordOutcome = codeMapper<RestoreRecordOutcome>("restore-record", {
  [ScriptCode.Ok]: "restored",
  [ScriptCode.Already]: "exists",
});
export const transferDoneOutcome = codeMapper<TransferDoneOutcome>("transfer-done", {
  [ScriptCode.Ok]: "finished",
  [ScriptCode.Already]: "already_finished",
});
export const checkOrderOutcome = codeMapper<CheckOrderOutcome>("check-order", {
  [ScriptCode.Ok]: "commit",
  [ScriptCode.RolledBack]: "rollback",
  [ScriptCode.StateLost]: "unknown",
  [ScriptCode.Forgotten]: "forgotten",
});

/** Scripts that answer a count (confirm, transfer-out): a non-negative integer or a bug. */
export function countOutcome(script: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new UnexpectedScriptReply(script, n);
  return n;
}
