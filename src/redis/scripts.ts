import type { Cluster, Redis, Result } from "ioredis";
import type { Order } from "../order.js";
import type { ShardKeys } from "./keys.js";
import { loadScripts } from "./script-loader.js";
import {
  checkOrderOutcome,
  countOutcome,
  honorOutcome,
  replayOutcome,
  rebuildOrderOutcome,
  rebuildStockOutcome,
  leaseOutcome,
  markPaidOutcome,
  restoreRecordOutcome,
  transferDoneOutcome,
  releaseOutcome,
  reserveOutcome,
  transferInOutcome,
  warmShardOutcome,
  type CheckOrderOutcome,
  type HonorOutcome,
  type RebuildOutcome,
  type LeaseOutcome,
  type MarkPaidOutcome,
  type RestoreRecordOutcome,
  type ReleaseOutcome,
  type TransferDoneOutcome,
  type ReserveOutcome,
  type TransferInOutcome,
  type WarmShardOutcome,
} from "./script-replies.js";

export type RedisClient = Redis | Cluster;
type Arg = string | number;

// The commands defineScripts() adds, typed as ioredis documents for custom commands: keys first (in the
// order of the script's header), then ARGV. Only the wrappers below call them.
declare module "ioredis" {
  interface RedisCommander<Context> {
    fsReserve(
      tok: string,
      stock: string,
      buyers: string,
      res: string,
      open: string,
      ...argv: Arg[]
    ): Result<[number, string, number], Context>;
    fsReplay(tok: string, userId: string, quantity: number): Result<[number, string, number], Context>;
    fsRelease(
      stock: string,
      buyers: string,
      res: string,
      open: string,
      hold: string,
      ...argv: Arg[]
    ): Result<[number, number], Context>;
    fsWarmShard(stock: string, res: string, xout: string, ...argv: Arg[]): Result<number, Context>;
    fsTransferOut(stock: string, xout: string, xdone: string, hold: string, ...argv: Arg[]): Result<number, Context>;
    fsTransferDone(xout: string, xdone: string, id: string): Result<number, Context>;
    fsTransferIn(stock: string, xin: string, hold: string, ...argv: Arg[]): Result<number, Context>;
    fsCheckOrder(res: string, stock: string, rebuilt: string, ...argv: Arg[]): Result<number, Context>;
    fsConfirm(res: string, open: string, ...orderIds: string[]): Result<number, Context>;
    fsMarkPaid(res: string, open: string, orderId: string): Result<number, Context>;
    fsLease(lease: string, owner: string, ttlMs: number): Result<number, Context>;
    fsRestoreRecord(
      res: string,
      orderId: string,
      state: string,
      quantity: number,
      reservedAt: number,
      userId: string,
    ): Result<number, Context>;
    fsRebuildOrder(res: string, buyers: string, tok: string, ...argv: Arg[]): Result<number, Context>;
    fsHonorOrder(
      stock: string,
      buyers: string,
      res: string,
      open: string,
      tok: string,
      ...argv: Arg[]
    ): Result<[number, number], Context>;
    fsRebuildStock(stock: string, rebuilt: string, stockUnits: number, rebuiltAt: number): Result<number, Context>;
    fsLedgerSums(res: string, cursor: string, count: number): Result<[string, number, number, number, number], Context>;
  }
}

/** Registers every script on the client (EVALSHA, with ioredis reloading a script Redis reports missing). */
export function defineScripts(client: RedisClient): void {
  for (const s of loadScripts().values()) {
    if (!(s.command in client)) client.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
}

export interface ReserveArgs extends Pick<Order, "orderId" | "saleId" | "userId" | "quantity"> {
  perUserLimit: number;
  /** Reservation time, unix ms. */
  now: number;
  token: string;
  /** The token's expiry as signed in it, unix ms: an unused token is refused from then on. */
  tokenExpiresAt: number;
  /** An empty shard is a final SOLD_OUT (stored for replays) rather than ShardEmpty. */
  final: boolean;
  replayMs: number;
  acceptedChannel: string;
}

/** An order's ledger record as the restore, rebuild and honour scripts write it: the order's part and when it was reserved. */
export interface RecordArgs extends Pick<Order, "orderId" | "userId" | "quantity"> {
  reservedAt: number;
}

/** A record with the purchase token that bought the order (rebuild-order, honor-order). */
export interface TokenRecordArgs extends RecordArgs {
  token: string;
}

/** The ledger letter of an order that has a row: F (confirmed), P (paid), C (released). */
type RowState = "F" | "P" | "C";

/**
 * One typed call per Lua script, each returning its mapped outcome (script-replies.ts). Keys come from the
 * shard's ShardKeys, so a caller cannot pass them in the wrong order or from two shards.
 */
export const scripts = {
  reserve(c: RedisClient, k: ShardKeys, a: ReserveArgs): Promise<ReserveOutcome> {
    return c
      .fsReserve(
        k.token(a.token),
        k.stock,
        k.buyers,
        k.res,
        k.open,
        a.userId,
        a.quantity,
        a.perUserLimit,
        a.orderId,
        a.now,
        a.token,
        a.final ? 1 : 0,
        a.replayMs,
        a.acceptedChannel,
        a.saleId,
        a.tokenExpiresAt,
      )
      .then(reserveOutcome);
  },

  /**
   * A used token's stored answer (null when it has none for this buyer), nothing reserved or tombstoned; a
   * stored 202 is written again so that this connection's next WAIT covers it (lua/replay-1.lua).
   */
  replay(
    c: RedisClient,
    k: ShardKeys,
    token: string,
    userId: string,
    quantity: number,
  ): Promise<ReserveOutcome | null> {
    return c.fsReplay(k.token(token), userId, quantity).then(replayOutcome);
  },

  /** Gives a reservation's units back, at most once; `channel` is told `saleId` when units came back. */
  release(c: RedisClient, k: ShardKeys, orderId: string, channel: string, saleId: string): Promise<ReleaseOutcome> {
    return c.fsRelease(k.stock, k.buyers, k.res, k.open, k.hold, orderId, channel, saleId).then(releaseOutcome);
  },

  /** Sets the shard's stock, expiring at `expiresAt` (unix ms; omitted: never, for tests warming by hand). */
  warmShard(c: RedisClient, k: ShardKeys, stock: number, expiresAt = 0): Promise<WarmShardOutcome> {
    return c.fsWarmShard(k.stock, k.res, k.xout, stock, expiresAt).then(warmShardOutcome);
  },

  /** Units taken out of the donor `k` for shard `to` (0 when it holds fewer than `least`). */
  transferOut(
    c: RedisClient,
    k: ShardKeys,
    a: { id: string; want: number; least: number; to: number; now: number },
  ): Promise<number> {
    return c
      .fsTransferOut(k.stock, k.xout, k.xdone, k.hold, a.id, a.want, a.least, a.to, a.now)
      .then((n) => countOutcome("transfer-out", n));
  },

  /** The donor `k` forgets a transfer the recipient has applied, remembering its id as finished. */
  transferDone(c: RedisClient, k: ShardKeys, id: string): Promise<TransferDoneOutcome> {
    return c.fsTransferDone(k.xout, k.xdone, id).then(transferDoneOutcome);
  },

  transferIn(c: RedisClient, k: ShardKeys, id: string, quantity: number): Promise<TransferInOutcome> {
    return c.fsTransferIn(k.stock, k.xin, k.hold, id, quantity).then(transferInOutcome);
  },

  /** `reservedAt`: the order's reservation time as its message says (a shard rebuilt after it cannot tell). */
  checkOrder(
    c: RedisClient,
    k: ShardKeys,
    orderId: string,
    now: number,
    reservedAt: number,
  ): Promise<CheckOrderOutcome> {
    return c.fsCheckOrder(k.res, k.stock, k.rebuilt, orderId, now, reservedAt).then(checkOrderOutcome);
  },

  /** How many of `orderIds` (all of shard `k`) went from reserved to confirmed now. */
  confirm(c: RedisClient, k: ShardKeys, orderIds: string[]): Promise<number> {
    return c.fsConfirm(k.res, k.open, ...orderIds).then((n) => countOutcome("confirm", n));
  },

  markPaid(c: RedisClient, k: ShardKeys, orderId: string): Promise<MarkPaidOutcome> {
    return c.fsMarkPaid(k.res, k.open, orderId).then(markPaidOutcome);
  },

  /** Takes or renews the lease at `key` for `owner`; "taken" when another owner holds it. */
  lease(c: RedisClient, key: string, owner: string, ttlMs: number): Promise<LeaseOutcome> {
    return c.fsLease(key, owner, ttlMs).then(leaseOutcome);
  },

  restoreRecord(c: RedisClient, k: ShardKeys, r: RecordArgs & { state: RowState }): Promise<RestoreRecordOutcome> {
    return c.fsRestoreRecord(k.res, r.orderId, r.state, r.quantity, r.reservedAt, r.userId).then(restoreRecordOutcome);
  },

  /**
   * Puts an order MySQL holds back into a shard whose state was lost, before its stock counter is set again;
   * its token's record stays until `keepUntil` (unix ms: the token's expiry + the replay window).
   */
  rebuildOrder(
    c: RedisClient,
    k: ShardKeys,
    r: TokenRecordArgs & { state: RowState },
    keepUntil: number,
  ): Promise<RebuildOutcome> {
    return c
      .fsRebuildOrder(
        k.res,
        k.buyers,
        k.token(r.token),
        r.orderId,
        r.state,
        r.quantity,
        r.reservedAt,
        r.userId,
        r.token,
        keepUntil,
      )
      .then(rebuildOrderOutcome);
  },

  /** Reserves again, under its own id, a committed order whose reservation a Redis failure took. */
  honorOrder(
    c: RedisClient,
    k: ShardKeys,
    o: TokenRecordArgs,
    a: { perUserLimit: number; keepUntil: number },
  ): Promise<HonorOutcome> {
    return c
      .fsHonorOrder(
        k.stock,
        k.buyers,
        k.res,
        k.open,
        k.token(o.token),
        o.orderId,
        o.quantity,
        o.reservedAt,
        o.userId,
        o.token,
        a.perUserLimit,
        a.keepUntil,
      )
      .then(honorOutcome);
  },

  /** Sets the stock counter of a rebuilt shard, once, noting `rebuiltAt`: the shard sells again from then on. */
  rebuildStock(c: RedisClient, k: ShardKeys, stock: number, rebuiltAt: number): Promise<RebuildOutcome> {
    return c.fsRebuildStock(k.stock, k.rebuilt, stock, rebuiltAt).then(rebuildStockOutcome);
  },
};
