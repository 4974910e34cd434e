import type { Producer, PushConsumer } from "rocketmq-client-nodejs";
import type { Config } from "./config/schema.js";
import { Gateway } from "./gateway.js";
import { OrderWriter } from "./messaging/order-writer.js";
import { quietLogger, rmq } from "./messaging/rocketmq.js";
import { OrderTransactionChecker } from "./messaging/transaction-checker.js";
import { TransactionalOrderPlacer, type CrashPoint } from "./messaging/transactional-placer.js";
import { OrderRoutes } from "./http/routes/orders.js";
import { migrate } from "./persistence/migrate.js";
import { MysqlShards } from "./persistence/mysql-shards.js";
import { OrderRepository } from "./persistence/order-repository.js";
import { Sweeper } from "./reconciliation/sweeper.js";
import { tcpAnswers } from "./util/tcp-probe.js";

export interface AppOptions {
  port?: number;
  /** Test-only crash point; refused when NODE_ENV=production. */
  crashAt?: CrashPoint;
  /**
   * What this process runs: the HTTP gateway, the order writer, or both (the default: HTTP, plus the writer
   * when `rocketmq.consumer.enabled`). Every role answers the broker's back-checks and runs the sweeper.
   */
  roles?: { http: boolean; writer: boolean };
}

/**
 * The whole gateway process: the HTTP/Redis buy path, the transactional producer with its back-check
 * listener, the order writer consuming into sharded MySQL, and the periodic sweeper.
 */
export class App {
  readonly gateway: Gateway;
  readonly shards: MysqlShards;
  readonly repo: OrderRepository;
  readonly checker: OrderTransactionChecker;
  readonly writer: OrderWriter;
  readonly sweeper: Sweeper;
  private producer: Producer | null = null;
  private consumer: PushConsumer | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(readonly config: Config) {
    this.gateway = new Gateway(config);
    this.shards = new MysqlShards(config.mysql);
    this.repo = new OrderRepository(this.shards);
    const { redis, keys } = this.gateway;
    this.checker = new OrderTransactionChecker(redis, keys);
    this.writer = new OrderWriter(this.repo, redis, keys, config.rocketmq.consumer);
    this.sweeper = new Sweeper(redis, keys, this.gateway.reservations, this.writer, this.repo, config.sweeper.persistAfterMs);
  }

  async start(opts: AppOptions = {}): Promise<this> {
    if (opts.crashAt && process.env.NODE_ENV === "production") throw new Error("crash points are for tests only");
    const cfg = this.config;
    await migrate(cfg.mysql);
    const topic = cfg.rocketmq.orderTopic;
    const common = { endpoints: cfg.rocketmq.endpoints, namespace: "", requestTimeout: cfg.rocketmq.requestTimeoutMs };
    // The producer must list the topic, or the broker's back-checks never reach its checker.
    this.producer = new rmq.Producer({
      ...common,
      topics: [topic],
      logger: quietLogger("producer"),
      checker: { check: (view) => this.checker.check(view) as never },
    });
    await this.producer.startup();
    const roles = opts.roles ?? { http: true, writer: cfg.rocketmq.consumer.enabled };
    if (roles.writer) {
      this.consumer = new rmq.PushConsumer({
        ...common,
        consumerGroup: cfg.rocketmq.consumerGroup,
        subscriptions: new Map([[topic, "*"]]),
        messageListener: { consume: this.writer.consume },
        logger: quietLogger("consumer"),
      });
      await this.consumer.startup();
    }
    if (roles.http) await this.startHttp(topic, opts);
    this.sweepTimer = setInterval(() => void this.sweepAll().catch(() => {}), cfg.sweeper.intervalMs);
    this.sweepTimer.unref();
    return this;
  }

  private async startHttp(topic: string, opts: AppOptions): Promise<void> {
    const cfg = this.config;
    const [rmqHost, rmqPort] = cfg.rocketmq.endpoints.split(":") as [string, string];
    const { breakers } = this.gateway;
    // The half message goes through the RocketMQ breaker; the reservation through the Redis one (gateway.reservations).
    const placer = new TransactionalOrderPlacer(this.producer!, topic, this.gateway.reservations, cfg.rocketmq.groupCommit, opts.crashAt, (send) =>
      breakers.rocketmq.run(send),
    );
    const orders = new OrderRoutes({
      auth: this.gateway.buyerAuth,
      redis: this.gateway.redis,
      keys: this.gateway.keys,
      repo: this.repo,
      sales: this.gateway.sales,
      limits: this.gateway.limits,
      breakers,
    });
    this.gateway.use({
      placer,
      ops: { stats: (sale) => this.sweeper.stats(sale), reconcile: (sale) => this.sweeper.sweep(sale) as never },
      probes: [
        { name: "redis", check: async () => (await this.gateway.redis.ping()) === "PONG" },
        { name: "mysql", check: () => this.shards.ping() },
        { name: "rocketmq", check: () => tcpAnswers(Number(rmqPort), rmqHost) },
      ],
      routes: (add) => add("get", "/v1/orders/:orderId", "order_status", orders.getOrder),
    });
    await this.gateway.start(opts.port ?? cfg.server.port);
  }

  /**
   * A sweeper pass over every sale that is live or ended within the last hour; an ended sale's shard keys
   * get the same expiry as its settings (end + retention), and a sale whose settings expired leaves the index.
   */
  async sweepAll(now = Date.now()): Promise<void> {
    const { sales, redis, keys } = this.gateway;
    for (const id of await sales.ids()) {
      const sale = await sales.load(id);
      if (!sale) {
        await redis.srem(keys.salesIndex, id);
        continue;
      }
      if (now >= sale.startsAt && now < sale.endsAt + 3_600_000) await this.sweeper.sweep(sale, now);
      if (now >= sale.endsAt) await this.sweeper.expireShards(sale, sale.endsAt + this.config.sales.retentionSeconds * 1000);
    }
  }

  get port(): number {
    return this.gateway.port;
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.gateway.close().catch(() => {});
    this.writer.close();
    await this.consumer?.shutdown().catch(() => {});
    // The consume service's own logger ignores the `logger` option and keeps a timer alive after shutdown.
    const svc = this.consumer?.getConsumeService() as unknown as { logger?: { close?: () => void } } | undefined;
    svc?.logger?.close?.();
    await this.producer?.shutdown().catch(() => {});
    await this.shards.close().catch(() => {});
  }
}
