import type { MessageView, Producer } from "rocketmq-client-nodejs";
import type { OrderLifecycle } from "../orders/order-lifecycle.js";
import type { SaleStore } from "../reservation/sale-store.js";
import type { OrderMessage } from "./order-message.js";
import { componentLogger, type Logger } from "../observability/log.js";
import { rmq } from "./rocketmq.js";

/** The body of a timer message: the orders of one sale whose payment window closes at its delivery. */
interface TimerBody {
  saleId: string;
  orderIds: string[];
}

function decodeTimer(body: Buffer): TimerBody | null {
  try {
    const v = JSON.parse(body.toString("utf8")) as Partial<TimerBody>;
    if (typeof v.saleId !== "string" || !Array.isArray(v.orderIds) || !v.orderIds.every((id) => typeof id === "string"))
      return null;
    return { saleId: v.saleId, orderIds: v.orderIds };
  } catch {
    return null;
  }
}

/**
 * Payment timeouts on RocketMQ timer messages (a DELAY topic): when the writer has persisted a batch, one
 * message per sale in it, delivered when the last order of that group is due (reservation + the sale's
 * paymentTimeoutSeconds); its consumer cancels every order still unpaid. The orders of one batch were
 * reserved within a few milliseconds of each other, so a timer per batch instead of per order costs each
 * order at most that much lateness, and the broker one message instead of hundreds. A timer that is
 * never sent or never delivered is caught by the sweeper, which expires overdue orders itself.
 */
export class PaymentTimers {
  readonly stats = { sent: 0, sendFailures: 0, delivered: 0, expired: 0, notDue: 0 };

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly sales: SaleStore,
    private readonly lifecycle: OrderLifecycle,
    private readonly defaultTimeoutSeconds: number,
    private readonly log: Logger = componentLogger("payment-timers"),
  ) {}

  /** Schedules the timers of a persisted batch; a failure is counted and left to the sweeper. */
  schedule = (orders: OrderMessage[]): void => {
    const bySale = new Map<string, OrderMessage[]>();
    for (const o of orders) (bySale.get(o.saleId) ?? bySale.set(o.saleId, []).get(o.saleId)!).push(o);
    for (const [saleId, group] of bySale) {
      void this.send(saleId, group).catch((err: unknown) => {
        this.stats.sendFailures++;
        this.log.warn(
          { saleId, orders: group.length, err: (err as Error).message },
          "payment-timeout timer not sent (the sweeper expires these orders)",
        );
      });
    }
  };

  private async send(saleId: string, orders: OrderMessage[]): Promise<void> {
    const sale = await this.sales.get(saleId);
    const timeoutMs = (sale?.paymentTimeoutSeconds || this.defaultTimeoutSeconds) * 1000;
    const due = Math.max(...orders.map((o) => o.reservedAt)) + timeoutMs;
    const body: TimerBody = { saleId, orderIds: orders.map((o) => o.orderId) };
    await this.producer.send({
      topic: this.topic,
      tag: saleId,
      deliveryTimestamp: new Date(due),
      body: Buffer.from(JSON.stringify(body)),
    });
    this.stats.sent++;
  }

  /** The timer consumer's listener: expires each order still unpaid; a failure redelivers the whole timer. */
  async consume(view: MessageView) {
    const timer = decodeTimer(view.body);
    if (!timer) return rmq.ConsumeResult.SUCCESS;
    this.stats.delivered++;
    try {
      for (const order of await this.lifecycle.findMany(timer.saleId, timer.orderIds)) {
        const r = await this.lifecycle.expire(order);
        if (r === null) this.stats.notDue++;
        else if (r.kind === "applied" && r.decision.to === "CANCELLED") this.stats.expired++;
      }
      return rmq.ConsumeResult.SUCCESS;
    } catch {
      return rmq.ConsumeResult.FAILURE;
    }
  }
}
