import type { ReserveOutcome } from "../redis/script-replies.js";
import type { ReserveRequest } from "./reservation-service.js";

/**
 * Places an order: the port the buy route calls. messaging/ implements it with a RocketMQ transactional
 * message around the reservation; the Redis-only process of the HTTP tests uses the reservation alone.
 */
export interface OrderPlacer {
  place(req: ReserveRequest): Promise<ReserveOutcome>;
}
