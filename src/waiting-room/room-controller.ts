import type { Metrics } from "../observability/metrics.js";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import type { ReservationService } from "../reservation/reservation-service.js";
import { roomOpensAt, type Sale } from "../reservation/sale.js";
import { ledgerSums } from "../reservation/ledger.js";
import type { SaleStore } from "../reservation/sale-store.js";
import { admissionStep, reserveFor, type TickCarry } from "./admission-step.js";
import { emptyProgress, type RoomProgress, type RoomStore } from "./room-store.js";
import { gaugeValues, ROOM_GAUGE_STATES, roomNumbers } from "./room-stats.js";

export const TICK_MS = 200;
/** The lease outlives a few missed ticks; another process takes over a room after it lapses. */
const LEASE_MS = 2000;
/** A room is driven until this long after its sale's end (its last answers), then dropped from the list. */
const AFTER_END_MS = 60_000;

interface Driven {
  progress: RoomProgress;
  carry: TickCarry;
  /** When the unpaid units may be summed again (ledgerSums). */
  marginDueAt: number;
}

/**
 * The ledger's unpaid units are summed at once when the stock runs out (the sell-out cutoff within a tick),
 * then, while units are unpaid (each payment lowers the cutoff), again after DUTY_FACTOR times the last
 * sum's duration (every tick for a small sale): a sum walks every order of the sale in Redis, and back to
 * back those sums would take the CPU the buyers need (the sweep loop's rule too).
 */
const DUTY_FACTOR = 4;

/**
 * The admission controller: every gateway process runs this loop, and a Redis lease per sale (the sweeper's
 * script) lets one of them drive each room at a time. Each tick (~200 ms) it reads the room's counters and
 * the stock, computes the next progress (admission-step.ts) and publishes it (hash + sharded channel).
 */
export class RoomController {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** The rooms this process has seen (a sale with a room loaded here): the ones it may drive. */
  private readonly rooms = new Set<string>();
  private readonly driven = new Map<string, Driven>();
  /** Ticks that failed (Redis away): the next tick tries again. */
  failures = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly store: RoomStore,
    private readonly sales: SaleStore,
    private readonly reservations: ReservationService,
    private readonly owner: string,
    metrics?: Metrics,
  ) {
    if (metrics) this.register(metrics);
  }

  /**
   * Per room driven by this process (the lease holder reports it; "max" across workers), so the series are
   * bounded by the live rooms, as the sweeper's per-sale drift gauge is.
   */
  private register(metrics: Metrics): void {
    metrics.gauge(
      "flashsale_room_buyers",
      "Waiting-room buyers per room driven here, by state (waiting, admitted, bought, no_shows, pre_queue)",
      ["sale", "state"],
      (set) => {
        for (const [sale, d] of this.driven) {
          const v = gaugeValues(roomNumbers(d.progress));
          for (const state of ROOM_GAUGE_STATES) set({ sale, state }, v[state]);
        }
      },
      "max",
    );
    metrics.gauge(
      "flashsale_room_admission_rate",
      "Buyers admitted per second over the last seconds, per room driven here",
      ["sale"],
      (set) => {
        for (const [sale, d] of this.driven) set({ sale }, d.progress.rate);
      },
      "max",
    );
    metrics.counterFrom(
      "flashsale_room_tick_failures_total",
      "Admission ticks that failed (Redis away); the next tick tries again",
      () => this.failures,
    );
  }

  start(): void {
    this.timer ??= setInterval(() => {
      if (this.running) return;
      this.running = this.tickAll()
        .catch(() => void this.failures++)
        .finally(() => (this.running = null));
    }, TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** The progress this process last published for a sale it drives (tests, stats). */
  progressOf(saleId: string): RoomProgress | undefined {
    return this.driven.get(saleId)?.progress;
  }

  /**
   * A sale with a room was loaded here (a buyer joined or polled through this process, or an operator read
   * it): from now on this process competes for its lease. A process no buyer reaches drives nothing, and
   * costs Redis nothing while no room is live.
   */
  watch(saleId: string): void {
    this.rooms.add(saleId);
  }

  async tickAll(now = Date.now()): Promise<void> {
    await Promise.all([...this.rooms].map((id) => this.tickRoom(id, now).catch(() => void this.failures++)));
  }

  private async tickRoom(saleId: string, now: number): Promise<void> {
    const sale = await this.sales.get(saleId);
    // Gone, put again without a room, or long over: off the list (a later load with a room lists it again).
    if (!sale?.waitingRoom || now >= sale.endsAt + AFTER_END_MS) {
      this.driven.delete(saleId);
      this.rooms.delete(saleId);
      return;
    }
    if (now < roomOpensAt(sale)) return;
    const lease = await scripts.lease(this.redis, this.store.k(saleId).lease, this.owner, LEASE_MS);
    if (lease === "taken") {
      this.driven.delete(saleId);
      return;
    }
    let d = this.driven.get(saleId);
    if (!d) {
      // Taking over (or starting): go on from what the last holder published.
      const progress = (await this.store.readProgress(saleId)) ?? emptyProgress();
      d = { progress, carry: { allowance: 0, lastAt: 0, history: [] }, marginDueAt: 0 };
      this.driven.set(saleId, d);
    }
    d.progress = await this.next(sale, d, now);
    await this.store.writeProgress(saleId, d.progress, sale.endsAt + 86_400_000);
  }

  private async next(sale: Sale, d: Driven, now: number): Promise<RoomProgress> {
    const room = sale.waitingRoom!;
    // At the start the controller freezes the pre-queue itself (on Redis's clock) before admitting anyone.
    if (now >= sale.startsAt && !d.progress.started) await this.store.place(sale.saleId, "", "", sale.startsAt);
    const [counts, stocks, inFlight, ordered] = await Promise.all([
      this.store.counts(sale.saleId),
      this.reservations.rebalancer.shardStocks(sale),
      this.reservations.rebalancer.inFlight(sale),
      this.orders(sale),
    ]);
    const unitsLeft = stocks.reduce((a, b) => a + b, 0) + inFlight;
    // Only once the stock is out, and until nothing can come back: a read of every ledger record.
    const due = d.progress.margin === null || now >= d.marginDueAt;
    let margin: number | null = null;
    if (unitsLeft === 0 && !d.progress.soldOut && due) {
      const t0 = Date.now();
      margin = await this.reserve(sale);
      d.marginDueAt = Date.now() + DUTY_FACTOR * (Date.now() - t0);
    }
    const started = counts.frozen !== null;
    return admissionStep(d.progress, d.carry, {
      now,
      started,
      joined: started ? (counts.frozen ?? counts.pq) + counts.fcfs : counts.pq,
      preQueue: counts.frozen ?? counts.pq,
      stock: sale.stock,
      unitsLeft,
      ordered,
      paused: sale.paused,
      margin,
      admissionTtlMs: room.admissionTtlSeconds * 1000,
      admitPerSecond: room.admitPerSecond,
      maxOverbook: room.maxOverbook,
    });
  }

  /** Orders ever reserved: the ledger records of every shard (one HLEN each). */
  private async orders(sale: Sale): Promise<number> {
    const n = await Promise.all(
      Array.from({ length: sale.shards }, (_, i) => this.redis.hlen(this.keys.shard(sale.saleId, i).res)),
    );
    return n.reduce((a, b) => a + b, 0);
  }

  /**
   * The places to hold for units that may still come back: units reserved and not yet paid (not in MySQL yet,
   * or confirmed and unpaid) at the rate the settled ones came back (admission-step.ts reserveFor). The sums
   * come from Redis, shards side by side (ledgerSums): reading every record one shard after another took
   * seconds under a drop's load, and the reserve (and the room's close) lagged the payments by as much again.
   */
  private async reserve(sale: Sale): Promise<number> {
    const s = await ledgerSums(this.redis, this.keys, sale);
    return reserveFor(s.reserved + s.confirmed, s.paid, s.released);
  }
}
