import type { MessageView } from "rocketmq-client-nodejs";
import type { Keys } from "../redis/keys.js";
import { runScript, type RedisClient } from "../redis/scripts.js";
import { parseOrderId } from "../reservation/order-id.js";
import { Reply } from "../reservation/reply-codes.js";
import { decodeOrder } from "./order-message.js";
import { TransactionResolution } from "./rocketmq.js";

/**
 * The back-check listener: the broker asks about a half message whose producer never decided. The answer is
 * what Redis says about the reservation behind the order id. A ROLLBACK tombstones the order id first, so a
 * reserve still on its way with that id can never succeed afterwards: the rollback is final.
 */
export class OrderTransactionChecker {
  checks = { commit: 0, rollback: 0, unknown: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async check(view: MessageView): Promise<number> {
    const order = decodeOrder(view.body);
    const where = order ? parseOrderId(order.orderId) : null;
    if (!order || !where) {
      // Not one of ours, or corrupt: it can never become an order.
      this.checks.rollback++;
      return TransactionResolution.ROLLBACK;
    }
    const k = this.keys.shard(where.saleId, where.shard);
    // A throw (Redis down) propagates: the client then answers nothing and the broker asks again later.
    const r = await runScript<number>(this.redis, "check-order", [k.res], [order.orderId, Date.now()]);
    if (r === Reply.Ok) {
      this.checks.commit++;
      return TransactionResolution.COMMIT;
    }
    this.checks.rollback++;
    return TransactionResolution.ROLLBACK;
  }
}
