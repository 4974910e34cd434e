import { randomBytes } from "node:crypto";
import type { ConnectionOptions } from "mysql2/promise";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

/**
 * Settings for one benchmark as FLASHSALE__* variables: a random key prefix (never touching anyone's keys)
 * plus the given overrides. The parent and any gateway child both read them through loadConfig, so they
 * agree on secrets and keys by construction.
 */
export function benchEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    FLASHSALE__REDIS__KEYPREFIX: `bench${randomBytes(4).toString("hex")}:`,
    FLASHSALE__SERVER__HOST: "127.0.0.1",
    ...overrides,
  };
}

export function benchConfig(env: Record<string, string>): Config {
  return loadConfig({ ...process.env, ...env });
}

export function rid(n = 4): string {
  return randomBytes(n).toString("hex");
}

/** Names of a durable benchmark's own MySQL databases and RocketMQ topics. */
export interface DurableBenchNames {
  dbs: string[];
  topics: { orderTopic: string; eventTopic: string; timeoutTopic: string };
}

/**
 * FLASHSALE__* variables giving a benchmark that runs the whole gateway its own shard databases, topics and
 * consumer groups (nobody else's messages or rows), plus `overrides`. The caller creates the topics
 * (stack/rocketmq.ts ensureGatewayTopics) and drops the databases.
 */
export function durableBenchEnv(
  id: string,
  overrides: Record<string, string> = {},
): DurableBenchNames & { env: Record<string, string> } {
  const dbs = [0, 1].map((i) => `fs_bench_${id}_${i}`);
  const topics = {
    orderTopic: `fs-bench-${id}`,
    eventTopic: `fs-bench-events-${id}`,
    timeoutTopic: `fs-bench-timers-${id}`,
  };
  const shard = benchConfig({}).mysql.shards[0]!;
  const env = benchEnv({
    FLASHSALE__MYSQL__SHARDS: JSON.stringify(dbs.map((database) => ({ ...shard, database }))),
    FLASHSALE__ROCKETMQ__ORDERTOPIC: topics.orderTopic,
    FLASHSALE__ROCKETMQ__EVENTTOPIC: topics.eventTopic,
    FLASHSALE__ROCKETMQ__TIMEOUTTOPIC: topics.timeoutTopic,
    FLASHSALE__ROCKETMQ__PRODUCERGROUP: `${topics.orderTopic}-producer`,
    FLASHSALE__ROCKETMQ__CONSUMERGROUP: `${topics.orderTopic}-writer`,
    FLASHSALE__ROCKETMQ__TIMEOUTGROUP: `${topics.orderTopic}-timers`,
    ...overrides,
  });
  return { env, dbs, topics };
}

/** A connection to the first shard's server without a database (creating and dropping bench databases). */
export function rootConnection(cfg: Config): ConnectionOptions {
  const s = cfg.mysql.shards[0]!;
  return { host: s.host, port: s.port, user: s.user, password: s.password, timezone: "Z", charset: "utf8mb4" };
}
