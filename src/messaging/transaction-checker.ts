import type { MessageView } from "rocketmq-client-nodejs";
import type { Keys } from "../redis/keys.js";
import { runScript, type RedisClient } from "../redis/scripts.js";
import { parseOrderId } from "../reservation/order-id.js";
import { Reply } from "../reservation/reply-codes.js";
import { decodeOrders } from "./order-message.js";
import { TransactionResolution } from "./rocketmq.js";

/**
 * The back-check listener: the broker asks about a half message whose producer never decided. The answer is
 * what Redis says about the reservations behind its order ids: COMMIT when any exists. Every missing order id
 * is tombstoned first, so a reserve still on its way with that id can never succeed afterwards: the rollback
 * (of the whole message, or of that order inside a committed one) is final.
 */
export class OrderTransactionChecker {
  checks = { commit: 0, rollback: 0, unknown: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async check(view: MessageView): Promise<number> {
    const orders = decodeOrders(view.body);
    const places = orders?.map((o) => ({ orderId: o.orderId, where: parseOrderId(o.orderId) }));
    if (!places || places.some((p) => !p.where)) {
      // Not one of ours, or corrupt: it can never become an order.
      this.checks.rollback++;
      return TransactionResolution.ROLLBACK;
    }
    // Every order of the group is settled on its own: existing → stays, missing → tombstoned. A throw (Redis
    // down) propagates: the client then answers nothing and the broker asks again later.
    const replies = await Promise.all(
      places.map(({ orderId, where }) => {
        const k = this.keys.shard(where!.saleId, where!.shard);
        return runScript<number>(this.redis, "check-order", [k.res], [orderId, Date.now()]);
      }),
    );
    if (replies.some((r) => r === Reply.Ok)) {
      this.checks.commit++;
      return TransactionResolution.COMMIT;
    }
    this.checks.rollback++;
    return TransactionResolution.ROLLBACK;
  }
}
