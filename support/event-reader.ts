import type { PushConsumer } from "rocketmq-client-nodejs";
import type { Config } from "../src/config/schema.js";
import { quietLogger, rmq } from "../src/messaging/rocketmq.js";
import type { OrderEvent } from "../src/persistence/order-events.js";

/** One delivered order event, with the message's key(s) and tag. */
export interface DeliveredEvent {
  event: OrderEvent;
  keys: string[];
  tag: string | undefined;
}

/**
 * A downstream consumer of the order-events topic under a consumer group of its own (the tests' and the
 * demo's auditor): every delivery is handed to `onEvent`, repeats included. Started by the caller. Each
 * order's events arrive in version order only when the group consumes orderly (stack/rocketmq.ts
 * ensureConsumerGroup, `mqadmin updateSubGroup -o true`) before it first starts; otherwise in any order.
 */
export function eventReader(
  cfg: Config["rocketmq"],
  group: string,
  onEvent: (d: DeliveredEvent) => void,
): PushConsumer {
  return new rmq.PushConsumer({
    endpoints: cfg.endpoints,
    namespace: "",
    consumerGroup: group,
    subscriptions: new Map([[cfg.eventTopic, "*"]]),
    messageListener: {
      consume: async (view) => {
        onEvent({ event: JSON.parse(view.body.toString("utf8")) as OrderEvent, keys: [...view.keys], tag: view.tag });
        return rmq.ConsumeResult.SUCCESS;
      },
    },
    logger: quietLogger(group),
  });
}
