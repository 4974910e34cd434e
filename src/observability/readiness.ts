import type { RedisClient } from "../redis/scripts.js";
import { tcpAnswers } from "../util/tcp-probe.js";

/** A named readiness probe: resolves true when the dependency answers (GET /readyz asks each). */
export interface Probe {
  name: string;
  check(): Promise<boolean>;
}

/** The probes the ops routes ask: this process's readiness, and the shared dependencies (reported, not deciding readiness). */
export interface OpsProbes {
  /** Whether this process can serve: started and not draining (the writer adds its consumers' start-up). */
  readiness: Probe[];
  /** Redis, MySQL, RocketMQ: GET /health/dependencies. */
  dependencies: Probe[];
}

export function redisProbe(redis: RedisClient): Probe {
  return { name: "redis", check: async () => (await redis.ping()) === "PONG" };
}

/** A TCP connect to `host:port`: all a liveness check of a service without a cheap ping of its own needs. */
export function tcpProbe(name: string, hostPort: string): Probe {
  const [host, port] = hostPort.split(":") as [string, string];
  return { name, check: () => tcpAnswers(Number(port), host) };
}
