import { checkOrderMessage, type OrderMessage } from "./order-message.js";
import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";

/**
 * How long a note of a lost order is kept: the rebuild it is for comes `sweeper.recoveryQuietMs` after the
 * loss, or once MySQL is back; later arrivals are settled from `parked_orders` by the sweeper.
 */
const NOTE_TTL_MS = 24 * 3600 * 1000;

/**
 * Notes orders whose ledger records Redis lost, by sale, in Redis (which just answered the ledger read):
 * the writer does this before it parks them in MySQL, so a rebuild that runs while MySQL is still away,
 * or before the writer's next retry, honours them before the sale sells again.
 */
export async function noteLostOrders(redis: RedisClient, keys: Keys, orders: readonly OrderMessage[]): Promise<void> {
  const bySale = new Map<string, OrderMessage[]>();
  for (const o of orders) {
    const list = bySale.get(o.saleId);
    if (list) list.push(o);
    else bySale.set(o.saleId, [o]);
  }
  await Promise.all(
    [...bySale].map(async ([saleId, list]) => {
      const key = keys.lostOrders(saleId);
      await redis.hset(key, ...list.flatMap((o) => [o.orderId, JSON.stringify(o)]));
      await redis.pexpire(key, NOTE_TTL_MS);
    }),
  );
}

/** The notes of a sale's lost orders; a note that does not parse is skipped (it can settle nothing). */
export async function lostOrderNotes(redis: RedisClient, keys: Keys, saleId: string): Promise<OrderMessage[]> {
  const raw = await redis.hvals(keys.lostOrders(saleId));
  return raw.flatMap((v) => {
    try {
      const o = checkOrderMessage(JSON.parse(v));
      return o?.saleId === saleId ? [o] : [];
    } catch {
      return [];
    }
  });
}

/** Drops the notes a rebuild has settled; a note written since stays for the next one. */
export async function dropLostOrderNotes(
  redis: RedisClient,
  keys: Keys,
  saleId: string,
  orderIds: readonly string[],
): Promise<void> {
  if (orderIds.length > 0) await redis.hdel(keys.lostOrders(saleId), ...orderIds);
}
