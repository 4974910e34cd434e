import mysql from "mysql2/promise";
import type { Config } from "./config/schema.js";
import { tcpConnectError } from "./util/tcp-probe.js";

/**
 * A dependency the process cannot start without is missing. The message names the service, its address,
 * why, and what starts it or which setting points elsewhere: one line per missing dependency, instead of
 * the client libraries' "Reached the max retries per request limit" or a bare ECONNREFUSED.
 */
export class DependencyError extends Error {
  override name = "DependencyError";

  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

const START = "start it with 'npm run stack:up'";

/** tcpConnectError for a "host:port" address. */
function connectErrorAt(address: string, timeoutMs: number): Promise<string | null> {
  const i = address.lastIndexOf(":");
  return tcpConnectError(Number(address.slice(i + 1)), address.slice(0, i), timeoutMs);
}

/** Redis: the URL's host and port (standalone), or at least one of the seed nodes (cluster). */
async function checkRedis(cfg: Config["redis"]): Promise<string | null> {
  const timeout = cfg.commandTimeoutMs;
  if (cfg.mode === "standalone") {
    const url = new URL(cfg.url);
    const [host, port] = [url.hostname, Number(url.port || 6379)];
    const why = await tcpConnectError(port, host, timeout);
    return why && `cannot reach Redis at ${host}:${port} (${why}): ${START} or set redis.url`;
  }
  const whys = await Promise.all(cfg.nodes.map((n) => connectErrorAt(n, timeout)));
  if (whys.some((w) => w === null)) return null;
  return `cannot reach any Redis Cluster node of ${cfg.nodes.join(", ")} (${[...new Set(whys)].join(", ")}): start it with 'npm run stack:up -- --cluster' or set redis.nodes`;
}

/** Every MySQL shard: the port open, then a login with the configured user (the database may not exist yet). */
async function checkMysql(cfg: Config["mysql"]): Promise<string[]> {
  const timeout = cfg.queryTimeoutMs;
  const problems = await Promise.all(
    cfg.shards.map(async (s, i) => {
      const where = `MySQL shard ${i} at ${s.host}:${s.port} (database ${s.database})`;
      const why = await tcpConnectError(s.port, s.host, timeout);
      if (why) return `cannot reach ${where} (${why}): ${START} or set mysql.shards[${i}]`;
      try {
        const conn = await mysql.createConnection({
          host: s.host,
          port: s.port,
          user: s.user,
          password: s.password,
          connectTimeout: timeout,
        });
        await conn.end();
        return null;
      } catch (err) {
        const e = err as { code?: string; message: string };
        return `cannot log in to ${where} as ${s.user} (${e.code ?? "error"}: ${e.message}): check mysql.shards[${i}].user and password`;
      }
    }),
  );
  return problems.filter((p): p is string => p !== null);
}

/** The RocketMQ proxy the clients talk to (gRPC). */
async function checkRocketmq(cfg: Config["rocketmq"]): Promise<string | null> {
  const why = await connectErrorAt(cfg.endpoints, cfg.requestTimeoutMs);
  return why && `cannot reach the RocketMQ proxy at ${cfg.endpoints} (${why}): ${START} or set rocketmq.endpoints`;
}

/**
 * Checks, all at once, every dependency this process needs (Redis; with `durable`, MySQL and RocketMQ too)
 * and throws one DependencyError listing what is missing.
 */
export async function checkDependencies(config: Config, durable: boolean): Promise<void> {
  const [redis, shards, rocketmq] = await Promise.all([
    checkRedis(config.redis),
    durable ? checkMysql(config.mysql) : [],
    durable ? checkRocketmq(config.rocketmq) : null,
  ]);
  const problems = [redis, ...shards, rocketmq].filter((p): p is string => p !== null);
  if (problems.length > 0) throw new DependencyError(problems);
}

/** Runs a start-up step against a dependency that answered the check but fails now; the error says which. */
export async function startingAgainst<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DependencyError) throw err;
    throw new DependencyError([`${what}: ${err instanceof Error ? err.message : String(err)}`]);
  }
}
