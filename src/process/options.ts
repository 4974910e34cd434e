import type { Config } from "../config/schema.js";
import type { Logger } from "../observability/log.js";
import type { OrderPlacer } from "../reservation/order-placer.js";
import type { CrashPoint } from "../util/crash-point.js";

/** What one process runs. */
export interface Roles {
  /** The HTTP API: buyers, operators, probes and metrics. */
  http: boolean;
  /**
   * The order writer: the RocketMQ consumer that puts orders into sharded MySQL, with the payment-timeout
   * timer consumer and the outbox relay beside it.
   */
  writer: boolean;
  /** The periodic reconciliation sweep. */
  sweeper: boolean;
}

export interface ProcessOptions {
  /** Default: HTTP and the sweeper, plus the writer when `rocketmq.consumer.enabled`. */
  roles?: Partial<Roles>;
  /** HTTP port; 0 picks a free one. Default `server.port`. */
  port?: number;
  /** The ops listener's port (admin, probes, metrics); 0 picks a free one. Default `server.ops.port`. */
  opsPort?: number;
  /**
   * /healthz, /readyz, /health/dependencies and /metrics on a small node:http server at this address (the
   * writer-only process, `rocketmq.consumer.http`; port 0 picks a free one). Readiness adds the order
   * consumer's start-up.
   */
  opsHttp?: { host: string; port: number };
  /** Test only: a SIGKILL at this point of the hand-off. */
  crashAt?: CrashPoint;
  /**
   * Test only: the buy path on Redis alone, for the HTTP and admission tests. Orders are placed by the
   * reservation without the RocketMQ hand-off, nothing reaches MySQL, and there is no writer or sweeper.
   */
  redisOnly?: boolean;
  /** Test only: places orders in place of the transactional placer (a deliberately slow one, say). */
  placer?: OrderPlacer;
  /** The root logger; default JSON lines on stderr at `log.level` (a test passes one that captures them). */
  log?: Logger;
}

/** The roles these options ask for (the Redis-only process has neither writer nor sweeper); the test-only options refused in production. */
export function rolesOf(config: Config, opts: ProcessOptions): Roles {
  if ((opts.crashAt || opts.redisOnly || opts.placer) && process.env.NODE_ENV === "production") {
    throw new Error("crash points, the Redis-only buy path and placer overrides are for tests only");
  }
  return {
    http: opts.roles?.http ?? true,
    writer: !opts.redisOnly && (opts.roles?.writer ?? config.rocketmq.consumer.enabled),
    sweeper: !opts.redisOnly && (opts.roles?.sweeper ?? true),
  };
}
