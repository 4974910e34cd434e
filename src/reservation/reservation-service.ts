import { setTimeout as sleep } from "node:timers/promises";
import type { Order } from "../order.js";
import type { Keys } from "../redis/keys.js";
import type { ReleaseOutcome, ReserveOutcome } from "../redis/script-replies.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import type { ReplicaAcks } from "../redis/replica-acks.js";
import { homeShard } from "./home-shard.js";
import { ledgerOf, saleLedger } from "./ledger.js";
import { newOrderId } from "./order-id.js";
import { SingleFlight } from "../util/single-flight.js";
import type { Sale } from "./sale.js";
import { ShardRebalancer } from "./shard-rebalancer.js";
import type { SoldOutCache } from "./sold-out-cache.js";
import { statedExpiry } from "./token-format.js";

/** How often a buyer on a drained shard pulls stock in one round before looking at the whole sale again. */
const MAX_PULLS = 6;
/**
 * Looks at the whole sale that find units elsewhere (pulls lost to other buyers, units in transit) before
 * the attempt gives up for now (503, same key); the n-th waits n × LOOK_AGAIN_MS first.
 */
const LOOKS = 3;
const LOOK_AGAIN_MS = 10;

/** An order attempt: the buyer's order in `sale` (its sale and SKU) and the purchase token it spends. */
export interface ReserveRequest extends Pick<Order, "userId" | "quantity"> {
  sale: Sale;
  token: string;
  /**
   * The token's expiry, unix ms, as the caller's signature check read it; omitted: the expiry the token
   * states (src/reservation/token-format.ts), else the sale's end (callers holding tokens of their own).
   */
  tokenExpiresAt?: number;
  /** Chosen before the call (it names the transactional message); defaults to a fresh id. */
  orderId?: string;
  /** Reservation time, unix ms (the order message carries the same value). */
  now?: number;
  /** The HTTP request's X-Request-Id, carried into the order message (and so the writer's log lines). */
  requestId?: string;
  /** The gateway's W3C traceparent of that request, carried into the order message likewise. */
  traceparent?: string;
}

export interface ReservationOptions {
  replaySeconds: number;
  chunkRatio: number;
}

/** Reservations (recording each token's use) and releases: every Redis step of the buy path. */
export class ReservationService {
  readonly rebalancer: ShardRebalancer;
  /** Reads of a sale's ledger for the sold-out flag, shared by the attempts that ask at once. */
  private readonly learning = new SingleFlight<void>();
  /** Told when a reservation finds a shard whose state this Redis lost (the sale must stop and be rebuilt). */
  onStateLost?: (saleId: string) => Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly soldOut: SoldOutCache,
    private readonly opts: ReservationOptions,
    private readonly acks?: ReplicaAcks,
  ) {
    this.rebalancer = new ShardRebalancer(redis, keys, opts.chunkRatio, acks);
  }

  /**
   * True when the reservations behind these order ids are on `redis.minReplicaAcks` replicas (one WAIT per
   * primary); false when a primary could not say so in time: their outcome is then unknown, never assumed.
   */
  async replicated(orderIds: string[]): Promise<boolean> {
    if (!this.acks?.enabled || orderIds.length === 0) return true;
    return this.acks.replicated(orderIds.map((id) => ledgerOf(this.keys, id)!.res));
  }

  homeShard(sale: Sale, userId: string): number {
    return homeShard(userId, sale.shards);
  }

  newOrderId(sale: Sale, userId: string): string {
    return newOrderId(sale.saleId, this.homeShard(sale, userId));
  }

  /**
   * A key pressed again after it bought: its stored answer from the replay script, one call with no
   * tombstone and no stock touched. Buyers press again and again in a flash sale, and each replay through the
   * reserve script cost a transactional message (half message and rollback) and a tombstone. A stored 202
   * is written again on this connection, so replicated() covers it even when another process reserved it.
   * Only for tokens this process knows bought (a replay is then certain unless the record was lost), and for
   * expired tokens, which can only replay: one without a stored answer is invalid_token, nothing written (no
   * tombstone, no transactional message). null sends the attempt the usual way.
   */
  async replayOfAccepted(
    sale: Sale,
    userId: string,
    token: string,
    quantity: number,
    tokenExpiresAt?: number,
  ): Promise<ReserveOutcome | null> {
    const expired = this.expired(sale, token, tokenExpiresAt);
    if (!expired && !this.soldOut.wasAccepted(sale.saleId, token)) return null;
    const out = await scripts.replay(
      this.redis,
      this.keys.shard(sale.saleId, this.homeShard(sale, userId)),
      token,
      userId,
      quantity,
    );
    return out ?? (expired ? { kind: "invalid_token" } : null);
  }

  /** True once the token's expiry (given, else as it states it, else the sale's end) has come. */
  expired(sale: Sale, token: string, tokenExpiresAt?: number, now = Date.now()): boolean {
    return now >= (tokenExpiresAt ?? statedExpiry(token) ?? sale.endsAt);
  }

  /**
   * One purchase attempt. Usually a single script call; when the buyer's home shard is drained it pulls
   * stock from other shards and tries again. SOLD_OUT is final (stored under the token for its replays),
   * so it is answered only when a fresh look finds too little stock in every shard and none in transit;
   * pulls that kept losing to other buyers while stock remains answer shard_empty instead (503, retry
   * with the same key: the token was not used).
   */
  async reserve(req: ReserveRequest): Promise<ReserveOutcome> {
    const { sale, userId, token, quantity } = req;
    const shard = this.homeShard(sale, userId);
    const orderId = req.orderId ?? newOrderId(sale.saleId, shard);
    const k = this.keys.shard(sale.saleId, shard);
    const args = {
      userId,
      quantity,
      perUserLimit: sale.perUserLimit,
      orderId,
      now: req.now ?? Date.now(),
      token,
      tokenExpiresAt: req.tokenExpiresAt ?? statedExpiry(token) ?? sale.endsAt,
      final: false,
      replayMs: this.opts.replaySeconds * 1000,
      acceptedChannel: k.accepted,
      saleId: sale.saleId,
    };
    const call = (final: boolean) => scripts.reserve(this.redis, k, final ? { ...args, final } : args);
    let look: { stocks: number[]; inTransit: number };
    let emptyAt = 0;
    for (let looks = 1, pulls = 0; ; looks++) {
      for (;;) {
        const out = await call(false);
        if (out.kind === "reserved") this.soldOut.noteReserved(sale.saleId, token, out.replayed);
        if (out.kind === "state_lost") await this.onStateLost?.(sale.saleId);
        if (out.kind !== "shard_empty") return out;
        emptyAt = performance.now();
        // Buyers of one drained shard share a pull (one transfer feeds them all) instead of each moving stock.
        if (pulls++ >= MAX_PULLS || (await this.rebalancer.pull(sale, shard, quantity - out.shardStock)) === 0) break;
      }
      // A look taken after this attempt found its shard empty (shared with others who found the same).
      look = await this.rebalancer.look(sale, emptyAt);
      if (look.stocks.reduce((a, b) => a + b, 0) + look.inTransit < quantity) break;
      // Units remain elsewhere: the pulls lost to other buyers, or units are in transit. Try again a little,
      // then let the buyer retry. This one is tombstoned like every refusal: its group's message may commit
      // for the others, and a committed order id without a record would read as a reservation Redis lost.
      if (looks >= LOOKS) {
        await scripts.checkOrder(this.redis, k, orderId, Date.now(), args.now);
        return { kind: "shard_empty", shardStock: look.stocks[shard] ?? 0 };
      }
      pulls = 0;
      await sleep(LOOK_AGAIN_MS * looks);
    }
    const out = await call(true);
    if (out.kind === "reserved") this.soldOut.noteReserved(sale.saleId, token, out.replayed);
    // The look taken just before decides the flag too: every shard empty and nothing in transit.
    if (out.kind === "sold_out" && !out.replayed && look.inTransit === 0 && look.stocks.every((s) => s <= 0))
      await this.noteSoldOut(sale);
    return out;
  }

  /**
   * Sets the local flag (the caller saw every shard empty and nothing in transit between shards). A process
   * that started after the sale began first learns every token accepted so far from the ledger: the flag
   * must let their replays through to Redis, and the pub/sub messages it heard cover only its own lifetime.
   * Hundreds of attempts reach the last SOLD_OUT together: they share one read of the ledger (each read
   * is O(attempts so far); one per attempt kept Redis busy for seconds).
   */
  private async noteSoldOut(sale: Sale): Promise<void> {
    if (!this.soldOut.knowsAccepted(sale.saleId)) {
      await this.learning.run(sale.saleId, async () => {
        const records = await saleLedger(this.redis, this.keys, sale);
        this.soldOut.learnAccepted(
          sale.saleId,
          records.flatMap((r) => (r.state !== "tombstone" && r.token ? [r.token] : [])),
        );
      });
    }
    this.soldOut.markSoldOut(sale.saleId);
  }

  /** Gives a reservation's stock back, exactly once however often it is called. */
  release(saleId: string, shard: number, orderId: string): Promise<ReleaseOutcome> {
    const k = this.keys.shard(saleId, shard);
    return scripts.release(this.redis, k, orderId, k.returned, saleId);
  }

  async remaining(sale: Sale): Promise<number> {
    return (await this.rebalancer.shardStocks(sale)).reduce((a, b) => a + b, 0);
  }
}
