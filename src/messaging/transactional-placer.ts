import type { Producer } from "rocketmq-client-nodejs";
import type { Histogram } from "prom-client";
import type { Cell, Metrics } from "../observability/metrics.js";
import type { ReserveOutcome } from "../redis/script-replies.js";
import {
  HandOffUnconfirmed,
  KeyInFlight,
  ReplicasBehind,
  type OrderPlacer,
  type PlacementRefused,
} from "../reservation/order-placer.js";
import type { ReservationService, ReserveRequest } from "../reservation/reservation-service.js";
import { Batcher } from "../util/batcher.js";
import { crashIf, type CrashPoint } from "../util/crash-point.js";
import { encodeOrders, requestIdProperties, type OrderMessage } from "./order-message.js";

export interface GroupCommitOptions {
  /** Most orders in one transactional message (1 = a message per order). */
  maxOrders: number;
  /** How long the first order of a group waits for company, ms (0 = until the current tick ends). */
  lingerMs: number;
  /**
   * Most groups between half message and answer at once. While all are busy the next group grows (up to
   * `maxOrders`) instead of queueing behind them as many small groups: adaptive group commit.
   */
  maxInFlight: number;
}

interface Pending {
  req: ReserveRequest;
  order: OrderMessage;
  resolve: (o: ReserveOutcome) => void;
  reject: (e: unknown) => void;
}

/**
 * What a group's transaction did for each of its orders: commit (a new reservation, committed: a 202),
 * rollback (nothing new reserved for it: sold out, over the limit, a replay; its group rolled back or it
 * rides along in a committed message the writer skips it in), undecided (its outcome left to the broker's
 * back-check: reservation outcome unknown, not yet replicated, or the commit call failed), not_sent (the
 * half message never reached the broker).
 */
type OrderOutcome = "commit" | "rollback" | "undecided" | "not_sent";
/** Orders per group: 1 at a trickle, up to groupCommit.maxOrders (at most 1024) under load. */
const GROUP_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * Places orders as RocketMQ transactional messages whose local transaction is the Lua reservation:
 * half message → reserve → commit (some new reservation) or rollback (none). A 202 leaves only after the
 * commit. Orders arriving together share one message (group commit): one half message and one commit for
 * the group, which is what makes the broker hand-off affordable at flash-sale rates. When a reservation's
 * outcome is unknown (Redis timed out) and nothing else in the group committed, the transaction is left
 * undecided and the broker's back-check settles it from Redis.
 */
export class TransactionalOrderPlacer implements OrderPlacer {
  /** Keys being processed by this process right now (a concurrent duplicate is refused: KeyInFlight). */
  private readonly inFlight = new Set<string>();
  private readonly groups: Batcher<Pending>;
  readonly stats = { messages: 0, orders: 0, commits: 0, rollbacks: 0, undecided: 0, unreplicated: 0 };
  /** Set by instrument(): the group-size histogram, and plain cells bumped once per order. */
  private meter?: { size: Histogram; orders: Record<OrderOutcome, Cell> };
  /** Told of every new order answered 202 (a draining process waits for their rows). */
  onAccepted?: (order: OrderMessage) => void;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly reservations: ReservationService,
    private readonly opts: GroupCommitOptions,
    private readonly crashAt?: CrashPoint,
    /** Runs the half-message send (the RocketMQ circuit breaker); what it rejects with is the group's answer. */
    private readonly guardSend: <T>(send: () => Promise<T>) => Promise<T> = (send) => send(),
  ) {
    this.groups = new Batcher(
      { maxSize: opts.maxOrders, lingerMs: opts.lingerMs, maxInFlight: opts.maxInFlight },
      (group) => this.settle(group),
    );
  }

  /** Group-commit metrics: groups sent (read from `stats`), their sizes, and each order's outcome. */
  instrument(metrics: Metrics): void {
    metrics.counterFrom(
      "flashsale_group_commit_groups_total",
      "Group commits: transactional messages (half messages) sent",
      () => this.stats.messages,
    );
    const orders = metrics.counter(
      "flashsale_group_commit_orders_total",
      "Orders placed through group commit, by what their transaction did",
      ["outcome"],
    );
    this.meter = {
      size: metrics.histogram("flashsale_group_commit_group_size", "Orders per group commit", GROUP_SIZE_BUCKETS),
      orders: {
        commit: orders.cell({ outcome: "commit" }),
        rollback: orders.cell({ outcome: "rollback" }),
        undecided: orders.cell({ outcome: "undecided" }),
        not_sent: orders.cell({ outcome: "not_sent" }),
      },
    };
  }

  /** No attempt being processed, no group waiting or between half message and answer. */
  get idle(): boolean {
    return this.inFlight.size === 0 && this.groups.idle;
  }

  /** Groups whose half message is sent or being sent and whose commit or rollback is not yet decided. */
  get groupsInFlight(): number {
    return this.groups.runningBatches;
  }

  /** Hands the waiting orders over as groups now (a draining process), without the linger. */
  flush(): void {
    this.groups.flush();
  }

  async place(req: ReserveRequest): Promise<ReserveOutcome> {
    const flightKey = `${req.sale.saleId}|${req.token}`;
    if (this.inFlight.has(flightKey)) throw new KeyInFlight();
    this.inFlight.add(flightKey);
    try {
      // A key that already bought: its stored answer, without a transaction (still replicated before a 202).
      const replay = await this.reservations.replayOfAccepted(
        req.sale,
        req.userId,
        req.token,
        req.quantity,
        req.tokenExpiresAt,
      );
      if (replay) {
        if (replay.kind === "reserved" && !(await this.reservations.replicated([replay.orderId]).catch(() => false))) {
          throw new ReplicasBehind();
        }
        return replay;
      }
      return await new Promise<ReserveOutcome>((resolve, reject) => {
        const { sale, userId, quantity } = req;
        const order = {
          orderId: this.reservations.newOrderId(sale, userId),
          saleId: sale.saleId,
          skuId: sale.skuId,
          userId,
          quantity,
          reservedAt: Date.now(),
          token: req.token,
          requestId: req.requestId,
          traceparent: req.traceparent,
        };
        this.groups.add({ req, order, resolve, reject });
      });
    } finally {
      this.inFlight.delete(flightKey);
    }
  }

  private async settle(group: Pending[]): Promise<void> {
    const tx = this.producer.beginTransaction();
    try {
      await this.guardSend(() =>
        this.producer.send(
          {
            topic: this.topic,
            tag: group[0]!.order.saleId,
            keys: group.map((p) => p.order.orderId),
            body: encodeOrders(group.map((p) => p.order)),
            properties: requestIdProperties(group.map((p) => p.order)),
          },
          tx,
        ),
      );
    } catch (err) {
      for (const p of group) p.reject(err);
      if (this.meter) this.meter.orders.not_sent.n += group.length;
      return;
    }
    this.stats.messages++;
    this.stats.orders += group.length;
    this.meter?.size.observe(group.length);
    crashIf(this.crashAt, "after-half");
    const results = await Promise.allSettled(
      group.map((p) => this.reservations.reserve({ ...p.req, orderId: p.order.orderId, now: p.order.reservedAt })),
    );
    crashIf(this.crashAt, "after-reserve");
    // Acknowledged means replicated: every reservation about to be answered 202 (new or replayed) must be on
    // the replicas first; when a primary cannot say so in time the outcome is unknown, settled by the token
    // (the buyer retries with the same key) and the back-check, never assumed.
    const reservedIds = results.flatMap((r) =>
      r.status === "fulfilled" && r.value.kind === "reserved" ? [r.value.orderId] : [],
    );
    const replicated = await this.reservations.replicated(reservedIds).catch(() => false);
    const isNew = (r: PromiseSettledResult<ReserveOutcome>) =>
      r.status === "fulfilled" && r.value.kind === "reserved" && !r.value.replayed;
    // What holds back a 202: every reservation while not replicated, a new one while not committed.
    let holdReserved: PlacementRefused | null = null;
    let holdNew: PlacementRefused | null = null;
    if (!replicated) {
      this.stats.undecided++;
      this.stats.unreplicated++;
      holdReserved = new ReplicasBehind();
    } else if (results.some(isNew)) {
      try {
        await tx.commit();
        this.stats.commits++;
        crashIf(this.crashAt, "after-commit");
      } catch {
        // The reservations stand and the half message is at the broker: its back-check will commit it.
        // Their buyers retry with the same key and get the replayed 202.
        holdNew = new HandOffUnconfirmed();
      }
    } else if (results.every((r) => r.status === "fulfilled")) {
      this.stats.rollbacks++;
      // Nothing new was reserved under these order ids: the message must never be delivered.
      tx.rollback().catch(() => {
        /* an undecided half message is rolled back by the back-check (no reservation → tombstones) */
      });
    } else {
      // Some outcome is unknown: leave it to the back-check, which asks Redis order by order.
      this.stats.undecided++;
    }
    const orders = this.meter?.orders;
    results.forEach((r, i) => {
      const p = group[i]!;
      let outcome: OrderOutcome = "undecided";
      if (r.status === "rejected") p.reject(r.reason);
      else if (holdReserved && r.value.kind === "reserved") p.reject(holdReserved);
      else if (holdNew && isNew(r)) p.reject(holdNew);
      else {
        if (isNew(r)) this.onAccepted?.(p.order);
        outcome = isNew(r) ? "commit" : "rollback";
        p.resolve(r.value);
      }
      if (orders) orders[outcome].n++;
    });
  }
}
