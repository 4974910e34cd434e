import { randomBytes } from "node:crypto";
import { dropLostOrderNotes, lostOrderNotes } from "../messaging/lost-orders.js";
import type { OrderMessage } from "../messaging/order-message.js";
import { componentLogger, type Logger } from "../observability/log.js";
import type { OrderRepository, SaleOrderRef } from "../persistence/order-repository.js";
import type { Keys, ShardKeys } from "../redis/keys.js";
import { scripts, type RedisClient, type TokenRecordArgs } from "../redis/scripts.js";
import { ledgerOf, readRecord, saleLedger } from "../reservation/ledger.js";
import type { Sale } from "../reservation/sale.js";
import { splitStock } from "../reservation/sale.js";
import type { CatalogSale, SaleStore } from "../reservation/sale-store.js";
import { parseTransfer, type ShardRebalancer } from "../reservation/shard-rebalancer.js";
import { useRecordUntil } from "../reservation/token-format.js";

export interface RecoveryOptions {
  /**
   * How long a sale found without its Redis state stays paused before it is rebuilt: time for the orders
   * in flight at the loss to reach MySQL or be parked, and be honoured before new buyers take the units.
   */
  quietMs: number;
  /** How long a rebuilt token answers replays. */
  replayMs: number;
}

/** What one look at a sale's Redis state came to. */
export type RecoveryStep =
  /** Nothing lost (or a sale MySQL does not know, which cannot be checked). */
  | { state: "whole" }
  /** Not started: warmed again as the operator put it (nothing can have sold). */
  | { state: "rewarmed" }
  /** Found lost now, or still within the quiet period: paused, rebuilt by a later pass. */
  | { state: "recovering"; lostShards: number }
  /** Redis holds settings of another warm-up: paused until an operator decides. */
  | { state: "stale" }
  | { state: "rebuilt"; shards: number; orders: number; units: number };

/** What honouring a lost order came to; undecided: the sale was not rebuilt after it. */
export type Honoured = "honored" | "refused" | "undecided";

const ACTIVE_LEDGER = new Set(["reserved", "confirmed", "paid"]);
/** How long a rebuild may hold a live shard's releases and transfers while it reads the shard. */
const HOLD_MS = 30_000;

/**
 * Detects and repairs a Redis that lost a sale's state: it came back empty (standalone without persistence),
 * or a cluster node lost its data with no replica to promote. The marks: the sale's settings carry the
 * warm-up epoch kept in MySQL, and every shard's stock counter exists from warm-up to expiry (reserve,
 * release and transfer-in refuse on a shard without it). A sale found lost is paused (recovering) at once;
 * after `quietMs` its lost shards are rebuilt from MySQL, never warmed to full stock:
 *
 *   units for the lost shards = stock − stock on live shards − units in transfer − live reservations on live
 *   shards − CONFIRMED/PAID rows of lost shards
 *
 * Each row comes back with rebuild-order (idempotent; with its purchase token, so a replay of its key
 * returns it again and the key buys nothing else), and each shard's stock counter is set last with
 * rebuild-stock (once), so a rebuild cut short is finished by the next pass from where it stopped: a shard
 * with its counter is live again and counted as such. Orders accepted just before the loss and not yet in
 * MySQL reach the writer as committed messages without a record: noted in Redis and parked in MySQL, then
 * honoured by honorParked before the sale sells again (from the note when MySQL was away when the writer
 * saw them, and its parking has not happened yet).
 */
export class SaleRecovery {
  private readonly told = new Set<string>();
  /** Test only: runs while the live shards are held, between the read of their counters and of their ledgers. */
  duringRead?: (saleId: string) => Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly sales: SaleStore,
    private readonly repo: OrderRepository,
    private readonly rebalancer: ShardRebalancer,
    private readonly opts: RecoveryOptions,
    private readonly log: Logger = componentLogger("recovery"),
  ) {}

  async run(sale: Sale, now = Date.now()): Promise<RecoveryStep> {
    const stored = await this.sales.stored(sale.saleId);
    if (!stored) return { state: "whole" };
    const [marker, lostShards] = await Promise.all([this.sales.marker(sale.saleId), this.lostShards(stored.sale)]);
    if (marker && marker.epoch !== stored.epoch) {
      await this.sales.markLost(sale.saleId, now);
      this.tell(
        sale.saleId,
        `Redis holds settings of sale ${sale.saleId} from another warm-up (epoch ${marker.epoch ?? "none"}, MySQL ${stored.epoch}): it may be an old copy of its state. The sale stays paused; an operator must check it`,
      );
      return { state: "stale" };
    }
    const since = marker?.recoveringSince ?? null;
    if (marker && since === null && lostShards.length === 0) return { state: "whole" };
    if (now < stored.sale.startsAt) {
      await this.sales.put(stored.sale, now);
      return { state: "rewarmed" };
    }
    if (!marker || since === null) {
      // Settings still in Redis (only shards lost): only the flag, so a pause or resume given meanwhile stands.
      if (marker) await this.sales.markLost(sale.saleId, now);
      else await this.sales.writeBack(stored, now);
      this.tell(
        sale.saleId,
        `sale ${sale.saleId}: Redis lost its state (${marker ? `${lostShards.length} of ${stored.sale.shards} shards` : "settings and shards"}); paused, rebuilt from MySQL in ${this.opts.quietMs} ms`,
      );
      return { state: "recovering", lostShards: lostShards.length };
    }
    if (now - since < this.opts.quietMs) return { state: "recovering", lostShards: lostShards.length };
    const step = await this.rebuild(stored, new Set(lostShards), now);
    // The live shards could not be held for the whole read (it outlasted the hold): nothing written, next pass.
    if (!step) return { state: "recovering", lostShards: lostShards.length };
    // The orders accepted just before the loss come first: honoured while the sale is still paused.
    await this.sales.noteRebuilt(sale.saleId, now);
    const { lost, noted } = await this.lostOrders(sale.saleId);
    for (const o of lost)
      if (!(await readRecord(this.redis, this.keys, o.orderId))) await this.honorParked(sale, o, now);
    await dropLostOrderNotes(this.redis, this.keys, sale.saleId, noted);
    await this.sales.recovered(sale.saleId);
    // Gateways listen on every shard's channel of a sale they know: one shard's channel reaches them all.
    await this.redis.spublish(this.keys.shard(sale.saleId, 0).returned, sale.saleId);
    this.told.delete(sale.saleId);
    const paused = (await this.sales.load(sale.saleId))?.paused ?? false;
    this.log.warn(
      { saleId: sale.saleId, shards: step.shards, orders: step.orders, units: step.units },
      `sale rebuilt from MySQL after Redis lost it; selling again${paused ? " once an operator resumes it" : ""}`,
    );
    return step;
  }

  /**
   * The orders accepted before the loss that the ledger lost, oldest first: parked in MySQL, or only noted in
   * Redis (the writer notes before it parks); `noted`: the order ids of the notes, dropped once honoured.
   */
  private async lostOrders(saleId: string): Promise<{ lost: OrderMessage[]; noted: string[] }> {
    const [parked, noted] = await Promise.all([
      this.repo.parkedOf(saleId) as Promise<OrderMessage[]>,
      lostOrderNotes(this.redis, this.keys, saleId),
    ]);
    const byId = new Map([...parked, ...noted].map((o) => [o.orderId, o]));
    return { lost: [...byId.values()].sort((a, b) => a.reservedAt - b.reservedAt), noted: noted.map((o) => o.orderId) };
  }

  /** Shards of the sale whose stock counter is missing. */
  private async lostShards(sale: Sale): Promise<number[]> {
    const exists = await Promise.all(
      Array.from({ length: sale.shards }, (_, i) => this.redis.exists(this.keys.shard(sale.saleId, i).stock)),
    );
    return exists.flatMap((e, i) => (e === 0 ? [i] : []));
  }

  /**
   * Rebuilds the lost shards; null when the live shards' hold lapsed before their read was done (nothing
   * written). The units the live shards account for are read while they are held (see liveUnits).
   */
  private async rebuild(
    stored: CatalogSale,
    lost: Set<number>,
    now: number,
  ): Promise<Extract<RecoveryStep, { state: "rebuilt" }> | null> {
    const { sale } = stored;
    const onLost = (orderId: string) => lost.has(ledgerOf(this.keys, orderId)!.shard);
    const live = await this.liveUnits(sale, lost);
    if (live === null) return null;
    const rows: SaleOrderRef[] = [];
    for await (const row of this.repo.scanSale(sale.saleId)) if (onLost(row.orderId)) rows.push(row);

    let accounted = live;
    for (const row of rows) if (row.status !== "CANCELLED") accounted += row.quantity;
    const available = Math.max(0, sale.stock - accounted);

    const state = (s: SaleOrderRef["status"]) => (s === "PAID" ? "P" : s === "CANCELLED" ? "C" : "F");
    await inChunks(rows, (r) =>
      scripts.rebuildOrder(
        this.redis,
        ledgerOf(this.keys, r.orderId)!,
        {
          orderId: r.orderId,
          state: state(r.status),
          quantity: r.quantity,
          reservedAt: r.createdAt.getTime(),
          userId: r.userId,
          token: r.token ?? "",
        },
        useRecordUntil(r.token ?? "", now, this.opts.replayMs),
      ),
    );
    // The counters last: from here on each lost shard sells again.
    const lostList = [...lost].sort((a, b) => a - b);
    const shares = splitStock(available, Math.max(1, lostList.length));
    await Promise.all(
      lostList.map((shard, i) =>
        scripts.rebuildStock(this.redis, this.keys.shard(sale.saleId, shard), shares[i] ?? 0, now),
      ),
    );
    return { state: "rebuilt", shards: lostList.length, orders: rows.length, units: available };
  }

  /**
   * The units the live shards account for: their stock counters, their live reservations (reserved,
   * confirmed, paid) and the units in transfer not yet applied to a live recipient. One consistent picture:
   * each live shard is held (release and transfers answer Held, the sweeper finishes them later) from before
   * its counter is read until its ledger has been, so a release between the two reads cannot count its units
   * twice or not at all. Null when a hold lapsed (a read longer than HOLD_MS): the picture may be torn.
   */
  private async liveUnits(sale: Sale, lost: Set<number>): Promise<number | null> {
    const shards = Array.from({ length: sale.shards }, (_, i) => this.keys.shard(sale.saleId, i));
    const live = shards.filter((k) => !lost.has(k.shard));
    const holder = randomBytes(8).toString("hex");
    try {
      await Promise.all(live.map((k) => this.redis.set(k.hold, holder, "PX", HOLD_MS)));
      const stocks = await Promise.all(live.map((k) => this.redis.get(k.stock)));
      await this.duringRead?.(sale.saleId);
      const [ledger, inTransfer] = await Promise.all([
        saleLedger(this.redis, this.keys, sale),
        this.inTransfer(shards, lost),
      ]);
      const held = await Promise.all(live.map((k) => this.redis.get(k.hold)));
      if (held.some((h) => h !== holder)) return null;
      let units = inTransfer + stocks.reduce((sum, v) => sum + Number(v ?? 0), 0);
      for (const rec of ledger)
        if (!lost.has(ledgerOf(this.keys, rec.orderId)!.shard) && ACTIVE_LEDGER.has(rec.state)) units += rec.quantity;
      return units;
    } finally {
      await Promise.all(live.map((k) => this.redis.del(k.hold)));
    }
  }

  /**
   * Units taken out of a donor and not yet in a live recipient's counter: a transfer the recipient has
   * applied (its id in the recipient's xin) is counted there, even while the donor still lists it.
   */
  private async inTransfer(shards: ShardKeys[], lost: Set<number>): Promise<number> {
    let units = 0;
    for (const k of shards) {
      for (const [id, rec] of Object.entries(await this.redis.hgetall(k.xout))) {
        const { to, qty } = parseTransfer(rec);
        const dst = shards[to];
        if (dst && !lost.has(to) && (await this.redis.sismember(dst.xin, id)) === 1) continue;
        units += qty;
      }
    }
    return units;
  }

  /**
   * A parked order with neither ledger record nor token, reserved before its sale was rebuilt: a 202 the
   * loss took. Reserved again under its own id if units remain (pulled from other shards when its own is
   * short), its buyer's limit allows and its token has not answered another attempt since. "undecided"
   * when the sale was never rebuilt after it (an operator must decide).
   */
  async honorParked(sale: Sale, o: OrderMessage, rebuiltAt: number | null): Promise<Honoured> {
    return this.honor(sale, { ...o, token: o.token ?? "" }, sale.perUserLimit, rebuiltAt, "parked order");
  }

  /**
   * A CONFIRMED or PAID row without a ledger record, reserved before its sale was rebuilt: written (by the
   * writer, or PAID by the lifecycle) after the rebuild had counted the rows, so its units are still on sale.
   * They are taken now (the row is a fact: no limit applies); "refused" means none were left, logged for an
   * operator. A CANCELLED row holds no units: its record is restored released, nothing taken.
   */
  async honorLateRow(sale: Sale, row: SaleOrderRef, rebuiltAt: number | null): Promise<Honoured> {
    const o = {
      orderId: row.orderId,
      quantity: row.quantity,
      reservedAt: row.createdAt.getTime(),
      userId: row.userId,
      token: "",
    };
    return this.honor(sale, o, Number.MAX_SAFE_INTEGER, rebuiltAt, "row written after the rebuild");
  }

  /** When the sale was last rebuilt (null: never, as far as this Redis knows); callers read it once per pass. */
  rebuiltAt(sale: Sale): Promise<number | null> {
    return this.sales.rebuiltAt(sale.saleId);
  }

  private async honor(
    sale: Sale,
    order: TokenRecordArgs,
    perUserLimit: number,
    rebuiltAt: number | null,
    what: string,
  ): Promise<Honoured> {
    if (rebuiltAt === null || order.reservedAt >= rebuiltAt) return "undecided";
    const k = ledgerOf(this.keys, order.orderId)!;
    const args = { perUserLimit, keepUntil: useRecordUntil(order.token, Date.now(), this.opts.replayMs) };
    let out = await scripts.honorOrder(this.redis, k, order, args);
    if (
      out.kind === "shard_empty" &&
      (await this.rebalancer.pull(sale, k.shard, order.quantity - out.shardStock)) > 0
    ) {
      out = await scripts.honorOrder(this.redis, k, order, args);
    }
    if (out.kind === "honored" || out.kind === "already") return "honored";
    if (out.kind === "state_lost") return "undecided";
    const why =
      out.kind === "token_used"
        ? "its token has answered another attempt"
        : out.kind === "limit_exceeded"
          ? "over the buyer's limit"
          : "no unit left";
    this.log.warn(
      { saleId: sale.saleId, orderId: order.orderId, userId: order.userId, what, why },
      "order accepted before Redis lost its state is not honoured",
    );
    return "refused";
  }

  /** Said once per loss, not every pass. */
  private tell(saleId: string, message: string): void {
    if (this.told.has(saleId)) return;
    this.told.add(saleId);
    this.log.warn({ saleId }, message);
  }
}

async function inChunks<T>(items: T[], run: (item: T) => Promise<unknown>, size = 256): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}
