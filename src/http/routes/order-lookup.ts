import type { Breakers } from "../../admission/breakers.js";
import { ApiError } from "../../errors.js";
import type { KnownOrder, OrderLifecycle } from "../../orders/order-lifecycle.js";

/** Seconds a caller waits before asking again about an order whose state is unknown (a rebuild takes about this order). */
const RETRY_UNKNOWN_SECONDS = "5";

/**
 * The order behind an id for the payment callback, cancel and status routes, each step through its
 * dependency's breaker. An order whose state is unknown (Redis lost it, MySQL has no row yet) is 503 with
 * Retry-After, never 404: a payment provider takes 404 as final. `mine` filters by owner (another
 * buyer's order reads as missing).
 */
export async function findOrder(
  lifecycle: OrderLifecycle,
  breakers: Breakers,
  orderId: string,
  notFound: () => ApiError,
  mine?: (o: KnownOrder) => boolean,
): Promise<KnownOrder> {
  // The Redis breaker of the node holding the order's ledger record (one per primary in a cluster).
  const redis = breakers.redis.forOrder(orderId);
  const found = await lifecycle.find(orderId, {
    redis: (call) => redis.run(call),
    mysql: (call) => breakers.mysql.run(call),
  });
  if (found.kind === "unknown")
    throw new ApiError("UNAVAILABLE", `the order's state is not known yet (${found.reason}); ask again`, {
      "retry-after": RETRY_UNKNOWN_SECONDS,
    });
  if (found.kind === "missing" || (mine && !mine(found.order))) throw notFound();
  return found.order;
}
