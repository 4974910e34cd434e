/** Integer replies of the Lua scripts (see each script's header). One place maps them to outcomes. */
export const enum Reply {
  Ok = 1,
  Replay = 2,
  Already = 3,
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
}

/** What a purchase attempt came to. `replayed` marks an answer repeated from the token's first use. */
export type ReserveOutcome =
  | { kind: "reserved"; orderId: string; replayed: boolean }
  | { kind: "sold_out"; replayed: boolean }
  | { kind: "limit_exceeded"; replayed: boolean }
  | { kind: "invalid_token" }
  | { kind: "key_reused" }
  | { kind: "order_id_taken" }
  | { kind: "shard_empty"; shardStock: number };

/** Maps the reserve script's reply {code, orderId, n}. */
export function reserveOutcome(reply: [number, string, number]): ReserveOutcome {
  const [code, orderId, n] = reply;
  switch (code) {
    case Reply.Ok:
      return { kind: "reserved", orderId, replayed: false };
    case Reply.Replay:
      // n holds the stored first outcome's code.
      if (n === Reply.Ok) return { kind: "reserved", orderId, replayed: true };
      if (n === Reply.SoldOut) return { kind: "sold_out", replayed: true };
      if (n === Reply.LimitExceeded) return { kind: "limit_exceeded", replayed: true };
      throw new Error(`reserve: unexpected stored outcome ${n}`);
    case Reply.InvalidToken:
      return { kind: "invalid_token" };
    case Reply.KeyReused:
      return { kind: "key_reused" };
    case Reply.LimitExceeded:
      return { kind: "limit_exceeded", replayed: false };
    case Reply.SoldOut:
      return { kind: "sold_out", replayed: false };
    case Reply.ShardEmpty:
      return { kind: "shard_empty", shardStock: n };
    case Reply.OrderIdTaken:
      return { kind: "order_id_taken" };
    default:
      throw new Error(`reserve: unexpected reply code ${code}`);
  }
}
