import { z } from "zod";

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected host:port");
const positiveInt = z.number().int().positive();

export const mysqlShardSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
  password: z.string(),
  database: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "expected a plain database name"),
});

export const configSchema = z
  .object({
    server: z.object({
      port: z.number().int().min(0).max(65535),
      host: z.string().min(1),
      workers: positiveInt.max(64),
      maxBodyBytes: positiveInt.max(1 << 20),
    }).strict(),
    redis: z.object({
      mode: z.enum(["standalone", "cluster"]),
      url: z.string().regex(/^rediss?:\/\//, "expected a redis:// URL"),
      nodes: z.array(hostPort).min(1),
      keyPrefix: z.string().regex(/^[A-Za-z0-9:_-]{0,32}$/, "expected up to 32 of [A-Za-z0-9:_-]"),
      commandTimeoutMs: positiveInt,
    }).strict(),
    stock: z.object({
      shards: positiveInt.max(1024),
      transferChunkRatio: z.number().gt(0).max(1),
    }).strict(),
    tokens: z.object({
      leadSeconds: z.number().int().min(0),
      ttlSeconds: positiveInt,
      replaySeconds: positiveInt,
    }).strict(),
    soldOut: z.object({ cacheMax: positiveInt, ttlMs: positiveInt }).strict(),
    sales: z.object({ metaCacheMs: z.number().int().min(0), retentionSeconds: positiveInt }).strict(),
    mysql: z.object({
      shards: z.array(mysqlShardSchema).min(1),
      tablesPerShard: positiveInt.max(1024),
      connectionLimit: positiveInt,
    }).strict(),
    rocketmq: z.object({
      endpoints: hostPort,
      namesrv: hostPort,
      orderTopic: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
      producerGroup: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
      consumerGroup: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
      requestTimeoutMs: positiveInt,
      consumer: z.object({
        enabled: z.boolean(),
        maxInFlight: positiveInt,
        batchMax: positiveInt.max(5000),
        lingerMs: z.number().int().min(0),
        retryForMs: positiveInt,
      }).strict(),
    }).strict(),
    sweeper: z.object({ intervalMs: positiveInt, persistAfterMs: positiveInt }).strict(),
    auth: z.object({
      userJwtSecret: z.string().min(16, "expected at least 16 characters"),
      adminToken: z.string().min(16, "expected at least 16 characters"),
      clockSkewSeconds: z.number().int().min(0).max(300),
    }).strict(),
    payments: z.object({ webhookSecret: z.string().min(16, "expected at least 16 characters") }).strict(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type MysqlShardConfig = z.infer<typeof mysqlShardSchema>;
