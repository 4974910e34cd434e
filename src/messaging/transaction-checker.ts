import type { MessageView } from "rocketmq-client-nodejs";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { ledgerOf } from "../reservation/ledger.js";
import { decodeOrders } from "./order-message.js";
import { TransactionResolution } from "./rocketmq.js";

/**
 * The back-check listener: the broker asks about a half message whose producer never decided. The answer is
 * what Redis says about the reservations behind its order ids: COMMIT when any exists. Every missing order id
 * is tombstoned first, so a reserve still on its way with that id can never succeed afterwards: the rollback
 * (of the whole message, or of that order inside a committed one) is final.
 */
export class OrderTransactionChecker {
  checks = { commit: 0, rollback: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async check(view: MessageView): Promise<number> {
    const orders = decodeOrders(view.body);
    const places = orders?.map((o) => ({ orderId: o.orderId, shard: ledgerOf(this.keys, o.orderId) }));
    if (!places || places.some((p) => !p.shard)) {
      // Not one of ours, or corrupt: it can never become an order.
      this.checks.rollback++;
      return TransactionResolution.ROLLBACK;
    }
    // Every order of the group is settled on its own: existing → stays, missing → tombstoned. A throw (Redis
    // down) propagates: the client then answers nothing and the broker asks again later.
    const now = Date.now();
    const answers = await Promise.all(places.map(({ orderId, shard }) => scripts.checkOrder(this.redis, shard!, orderId, now)));
    if (answers.includes("commit")) {
      this.checks.commit++;
      return TransactionResolution.COMMIT;
    }
    this.checks.rollback++;
    return TransactionResolution.ROLLBACK;
  }
}
