import type { PushConsumer } from "rocketmq-client-nodejs";
import type { Config } from "../../src/config/schema.js";
import { ensureConsumerGroup } from "../../stack/rocketmq.js";
import { eventReader } from "../../support/event-reader.js";
import { rid } from "./env.js";

/** A downstream consumer as docs/orders.md asks for: an orderly group, recording each order's versions as they arrive. */
export interface OrderlyReader {
  reader: PushConsumer;
  /** Versions per order id, in arrival order, repeats included. */
  arrivals: Map<string, number[]>;
  /** How many distinct (order, version) pairs arrived. */
  distinct(): number;
}

/** Starts an orderly reader of the events of `saleId` (its group is made orderly before it starts). */
export async function orderlyReader(cfg: Config, saleId: string): Promise<OrderlyReader> {
  const group = `fs-test-ordered-${rid(4)}`;
  await ensureConsumerGroup(group, { orderly: true });
  const arrivals = new Map<string, number[]>();
  const reader = eventReader(cfg.rocketmq, group, ({ event: e }) => {
    if (e.saleId === saleId) (arrivals.get(e.orderId) ?? arrivals.set(e.orderId, []).get(e.orderId)!).push(e.version);
  });
  await reader.startup();
  return { reader, arrivals, distinct: () => [...arrivals.values()].reduce((n, vs) => n + new Set(vs).size, 0) };
}

/**
 * What a consumer of one order may see, checked on the versions in the order they arrived: they never go
 * down, and their first arrivals are 1, 2, …, n in that order. A repeat (delivery is at least once) is
 * only ever of the latest version delivered so far, never of one a later version has already overtaken.
 * Returns the orders that broke it, with what arrived.
 */
export function orderViolations(arrivals: Map<string, number[]>, expected: Map<string, number>): string[] {
  const bad: string[] = [];
  for (const [orderId, n] of expected) {
    const seen = arrivals.get(orderId) ?? [];
    const firsts = seen.filter((v, i) => seen.indexOf(v) === i);
    const backwards = seen.some((v, i) => i > 0 && v < seen[i - 1]!);
    if (backwards || firsts.join() !== Array.from({ length: n }, (_, i) => i + 1).join())
      bad.push(`${orderId}: ${seen.join(",")}`);
  }
  return bad;
}
