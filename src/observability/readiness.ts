import type { RedisClient } from "../redis/scripts.js";
import { tcpAnswers } from "../util/tcp-probe.js";

/** A named readiness probe: resolves true when the dependency answers (GET /readyz asks each). */
export interface Probe {
  name: string;
  check(): Promise<boolean>;
}

export function redisProbe(redis: RedisClient): Probe {
  return { name: "redis", check: async () => (await redis.ping()) === "PONG" };
}

/** A TCP connect to `host:port`: all a liveness check of a service without a cheap ping of its own needs. */
export function tcpProbe(name: string, hostPort: string): Probe {
  const [host, port] = hostPort.split(":") as [string, string];
  return { name, check: () => tcpAnswers(Number(port), host) };
}
