import type { MessageView } from "rocketmq-client-nodejs";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { ledgerOf } from "../reservation/ledger.js";
import { componentLogger, type Logger } from "../observability/log.js";
import { traceIdOf } from "../observability/trace-context.js";
import { decodeOrders } from "./order-message.js";
import { TransactionResolution } from "./rocketmq.js";

/**
 * The back-check listener: the broker asks about a half message whose producer never decided. The answer is
 * what Redis says about the reservations behind its order ids: COMMIT when any exists. Every missing order id
 * is tombstoned first, so a reserve still on its way with that id can never succeed afterwards: the rollback
 * (of the whole message, or of that order inside a committed one) is final. A shard whose state was lost
 * cannot say: until its rebuild the answer is "ask again" (UNSPECIFIED), and after it an order reserved
 * before the rebuild commits (the writer parks it and the sweeper honours it if units and its buyer allow).
 */
export class OrderTransactionChecker {
  checks = { commit: 0, rollback: 0, unknown: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly log: Logger = componentLogger("transaction-checker"),
  ) {}

  async check(view: MessageView): Promise<number> {
    const orders = decodeOrders(view.body);
    const places = orders?.map((o) => ({
      orderId: o.orderId,
      reservedAt: o.reservedAt,
      shard: ledgerOf(this.keys, o.orderId),
    }));
    if (!places || places.some((p) => !p.shard)) {
      // Not one of ours, or corrupt: it can never become an order.
      this.checks.rollback++;
      this.log.warn({ messageId: view.messageId }, "back-check of a message that is not an order group: rollback");
      return TransactionResolution.ROLLBACK;
    }
    // Every order of the group is settled on its own: existing → stays, missing → tombstoned. A throw (Redis
    // down) propagates: the client then answers nothing and the broker asks again later.
    const now = Date.now();
    const answers = await Promise.all(
      places.map(({ orderId, reservedAt, shard }) => scripts.checkOrder(this.redis, shard!, orderId, now, reservedAt)),
    );
    const commit = answers.includes("commit") || answers.includes("forgotten");
    // Nothing known to exist, and an order on a shard whose state is lost: decided once it is rebuilt.
    const unknown = !commit && answers.includes("unknown");
    if (commit) this.checks.commit++;
    else if (unknown) this.checks.unknown++;
    else this.checks.rollback++;
    const resolution = commit ? "commit" : unknown ? "ask again" : "rollback";
    // Rare (a producer that died or timed out mid-transaction), and the one place an order's fate is decided
    // away from its request: worth a line per order.
    for (const [i, o] of orders!.entries()) {
      this.log.info(
        {
          messageId: view.messageId,
          orderId: o.orderId,
          requestId: o.requestId,
          traceId: traceIdOf(o.traceparent) || undefined,
          answer: answers[i],
          resolution,
        },
        "back-check settled an order",
      );
    }
    if (unknown) return TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED;
    return commit ? TransactionResolution.COMMIT : TransactionResolution.ROLLBACK;
  }
}
