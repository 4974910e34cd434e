import type { PushConsumer } from "rocketmq-client-nodejs";
import type { Config } from "../config/schema.js";
import { quietLogger, rmq } from "../messaging/rocketmq.js";
import type { Logger } from "../observability/log.js";
import { startingAgainst } from "../startup-checks.js";
import type { Step } from "./stopping.js";
import { rocketmqCommon, type Durable } from "./durable.js";

type PushConsumerListener = ConstructorParameters<typeof rmq.PushConsumer>[0]["messageListener"]["consume"];

/**
 * The writer role: the order consumer (orders into sharded MySQL) and the payment-timeout consumer over the
 * durable side's writer and timers, then the outbox relay. The relay, like the sweep loop and the writer's
 * batches, is stopped by `close()` with the durable side, whichever roles started it.
 */
export class WriterRole {
  /** Every consumer created, started or not: each says goodbye to the proxy at close. */
  private readonly consumers: PushConsumer[] = [];
  /** The order and timer consumers have started (their first route and assignment done). */
  consuming = false;

  constructor(
    private readonly config: Config,
    private readonly durable: Durable,
    private readonly log: Logger,
  ) {}

  /** The order consumer, the payment-timeout consumer and the outbox relay. */
  async start(): Promise<void> {
    const r = this.config.rocketmq;
    const { writer, timers, relay } = this.durable;
    const subscribe = async (group: string, topic: string, consume: PushConsumerListener, tag: string) => {
      const consumer = new rmq.PushConsumer({
        ...rocketmqCommon(this.config),
        consumerGroup: group,
        subscriptions: new Map([[topic, "*"]]),
        messageListener: { consume },
        logger: quietLogger(tag, this.log),
      });
      this.consumers.push(consumer);
      await startingAgainst(
        `the RocketMQ consumer ${group} did not start against the proxy at ${r.endpoints} (topic ${topic})`,
        () => consumer.startup(),
      );
    };
    await subscribe(r.consumerGroup, r.orderTopic, (view) => writer.consume(view), "consumer");
    await subscribe(r.timeoutGroup, r.timeoutTopic, (view) => timers.consume(view), "timeouts");
    this.consuming = true;
    relay.start();
  }

  /** The consumers' goodbyes to the proxy, side by side, each a step of close(). */
  shutdown(step: Step): Promise<void>[] {
    // The consume service's own logger ignores the `logger` option and keeps a timer alive after shutdown.
    const closeLogger = (c: PushConsumer) =>
      (c.getConsumeService() as unknown as { logger?: { close?: () => void } } | undefined)?.logger?.close?.();
    return this.consumers.map((c) => step("consumer shutdown", () => c.shutdown().finally(() => closeLogger(c))));
  }
}
