import { isIP } from "node:net";
import { z } from "zod";

/** pino's levels, most severe first, and silent (`log.level`). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected host:port");
const positiveInt = z.number().int().positive();

export const mysqlShardSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
  password: z.string(),
  database: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "expected a plain database name"),
});

/** One rate limiter: `points` requests per `durationSeconds`; over it, 429 (and blocked `blockSeconds` more). */
const limiterSchema = z
  .object({
    points: positiveInt,
    durationSeconds: positiveInt.max(86_400),
    blockSeconds: z.number().int().min(0).max(86_400),
  })
  .strict();

/** One opossum circuit breaker (see docs/admission.md). */
const breakerSchema = z
  .object({
    timeoutMs: positiveInt.max(60_000),
    errorThresholdPercentage: z.number().gt(0).max(100),
    resetTimeoutMs: positiveInt.max(600_000),
    volumeThreshold: z.number().int().min(0),
    rollingWindowMs: z.number().int().min(100).max(600_000),
  })
  .strict();

/** An IPv4/IPv6 address or a CIDR block ("10.0.0.0/8", "fd00::/8"). */
const ipOrCidr = z.string().refine((v) => {
  const [addr = "", bits, ...rest] = v.split("/");
  const family = isIP(addr);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}, "expected an IP address or CIDR block");

const adminTokenSchema = z.string().min(16, "expected at least 16 characters");

/** Signing keys, newest first: minted or signed with the first, verified with any listed (ids unique). */
const signingKeys = z
  .array(
    z
      .object({
        id: z.string().regex(/^[A-Za-z0-9_-]{1,8}$/, "expected 1-8 of [A-Za-z0-9_-]"),
        secret: z.string().min(16, "expected at least 16 characters"),
      })
      .strict(),
  )
  .min(1, "expected at least one key")
  .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, "expected each key id once")
  .nullable()
  .optional();

export const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535),
        host: z.string().min(1),
        /**
         * The ops listener: the admin API, /metrics, /readyz, /healthz, /health/dependencies (port 0: any
         * free one). Loopback by default: never publish it where buyers reach.
         */
        ops: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }).strict(),
        workers: positiveInt.max(64),
        maxBodyBytes: positiveInt.max(1 << 20),
        drainGraceMs: z.number().int().min(0).max(600_000),
        drainTimeoutMs: z.number().int().min(0).max(600_000),
        cors: z
          .object({
            origins: z.array(
              z
                .string()
                .regex(
                  /^(\*|https?:\/\/[^/\s]+)$/,
                  'expected "*" or an origin such as "https://shop.example.com" (scheme and host, no path)',
                ),
            ),
            maxAgeSeconds: z.number().int().min(0).max(86400),
          })
          .strict(),
      })
      .strict(),
    redis: z
      .object({
        mode: z.enum(["standalone", "cluster"]),
        url: z.string().regex(/^rediss?:\/\//, "expected a redis:// URL"),
        nodes: z.array(hostPort).min(1),
        keyPrefix: z.string().regex(/^[A-Za-z0-9:_-]{0,32}$/, "expected up to 32 of [A-Za-z0-9:_-]"),
        commandTimeoutMs: positiveInt,
        /** Replicas that must hold a reservation before its 202 (WAIT); null: 1 in cluster mode, 0 standalone. */
        minReplicaAcks: z.number().int().min(0).max(16).nullable(),
        replicaAckTimeoutMs: positiveInt.max(10_000),
        /** Cluster mode: the address the gateway dials for a node the cluster announces as "host:port" (NAT, proxies). */
        natMap: z.record(
          hostPort,
          z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict(),
        ),
      })
      .strict(),
    stock: z
      .object({
        shards: positiveInt.max(1024),
        transferChunkRatio: z.number().gt(0).max(1),
      })
      .strict(),
    tokens: z
      .object({
        leadSeconds: z.number().int().min(0),
        ttlSeconds: positiveInt,
        replaySeconds: positiveInt,
      })
      .strict(),
    soldOut: z.object({ cacheMax: positiveInt, ttlMs: positiveInt }).strict(),
    sales: z.object({ metaCacheMs: z.number().int().min(0), retentionSeconds: positiveInt }).strict(),
    mysql: z
      .object({
        shards: z.array(mysqlShardSchema).min(1),
        tablesPerShard: positiveInt.max(1024),
        connectionLimit: positiveInt,
        queryTimeoutMs: positiveInt,
        /**
         * Create missing databases and tables at start-up. Deployments set it false and run the migration
         * once (`node dist/src/persistence/migrate-cli.js`), so the app's MySQL user needs no DDL rights.
         */
        migrateOnStart: z.boolean(),
      })
      .strict(),
    rocketmq: z
      .object({
        endpoints: hostPort,
        namesrv: hostPort,
        orderTopic: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
        /** Order events for downstream services (FIFO topic, message group = order id), published by the outbox relay. */
        eventTopic: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
        /** Payment-timeout timer messages (DELAY topic). */
        timeoutTopic: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
        producerGroup: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
        consumerGroup: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
        timeoutGroup: z.string().regex(/^[A-Za-z0-9_-]{1,127}$/),
        requestTimeoutMs: positiveInt,
        groupCommit: z
          .object({
            maxOrders: positiveInt.max(1024),
            lingerMs: z.number().int().min(0).max(100),
            maxInFlight: positiveInt.max(256),
          })
          .strict(),
        consumer: z
          .object({
            enabled: z.boolean(),
            maxInFlight: positiveInt,
            batchMax: positiveInt.max(5000),
            lingerMs: z.number().int().min(0),
            batchesInFlight: positiveInt.max(64),
            retryForMs: positiveInt,
            /** The writer-only process's /healthz, /readyz and /metrics (port 0: any free port). */
            http: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }).strict(),
          })
          .strict(),
      })
      .strict(),
    sweeper: z
      .object({
        intervalMs: positiveInt,
        persistAfterMs: positiveInt,
        leaseMs: positiveInt,
        recoveryQuietMs: positiveInt,
      })
      .strict(),
    /**
     * retentionSeconds: how long a published event stays in order_events before the relay prunes it.
     * claimMs: how long a relay's claim on events lasts (a relay that died is replaced after it); at least
     * 8 × rocketmq.requestTimeoutMs, twice the longest send.
     * holdMs: while the writer beside the relay is taking orders (a drop), new events wait at most this
     * long before the relay publishes them (0: at once); the sweeper counts events stale only after
     * staleAfterMs + holdMs. holdQuietMs: the drop is over once no order came for this long (with a
     * waiting room, about its tail: the buyers still waiting ÷ admission.roomPollsPerSecond).
     */
    outbox: z
      .object({
        relayIntervalMs: positiveInt,
        batchMax: positiveInt.max(1000),
        staleAfterMs: positiveInt,
        retentionSeconds: positiveInt,
        claimMs: positiveInt,
        holdMs: z.number().int().min(0).max(600_000),
        holdQuietMs: positiveInt.max(600_000),
      })
      .strict(),
    auth: z
      .object({
        /** The HS256 secret of buyer JWTs (and the key of purchase tokens when purchaseTokenKeys is absent). */
        userJwtSecret: z.string().min(16, "expected at least 16 characters"),
        /**
         * The operator token, or a list of them: any listed token is accepted, so a new one can be added,
         * rolled out to the operators, and the old one removed without downtime.
         */
        adminToken: z.union([adminTokenSchema, z.array(adminTokenSchema).min(1, "expected at least one token")]),
        /**
         * Signing keys of purchase tokens, newest first: tokens are minted with the first and verified with any
         * listed, so a key can be added, then the old one removed once its tokens expired. Null or absent: one key
         * derived from userJwtSecret (id "jwt"), as before.
         */
        purchaseTokenKeys: signingKeys,
        /**
         * Signing keys of waiting-room queue tickets, newest first (rotation as purchaseTokenKeys). Null or
         * absent: one key derived from userJwtSecret (id "j1").
         */
        queueTicketKeys: signingKeys,
        clockSkewSeconds: z.number().int().min(0).max(300),
        /** Buyer JWTs: accepted algorithms, the IdP's JWKS for RS256/ES256, required `iss`/`aud` (docs/api.md "Buyer authentication"). */
        jwt: z
          .object({
            algorithms: z
              .array(z.enum(["HS256", "RS256", "ES256"]))
              .min(1, "expected at least one algorithm")
              .refine((a) => new Set(a).size === a.length, "expected each algorithm once"),
            jwksUrl: z
              .string()
              .regex(/^https?:\/\/[^\s]+$/, "expected an http(s) URL")
              .nullable(),
            issuer: z.string().min(1).nullable(),
            audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).nullable(),
            jwksCacheSeconds: positiveInt.max(86_400),
            jwksCooldownSeconds: z.number().int().min(0).max(3600),
            jwksTimeoutMs: positiveInt.max(60_000),
          })
          .strict()
          .superRefine((jwt, ctx) => {
            const remote = jwt.algorithms.some((a) => a !== "HS256");
            if (remote && jwt.jwksUrl === null) {
              ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["jwksUrl"],
                message: "required when algorithms include RS256 or ES256",
              });
            }
            if (!remote && jwt.jwksUrl !== null) {
              ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["jwksUrl"],
                message: "set, but algorithms include neither RS256 nor ES256 (add them, or set null)",
              });
            }
          }),
      })
      .strict(),
    payments: z
      .object({
        webhookSecret: z.string().min(16, "expected at least 16 characters"),
        /** How long an order may stay unpaid when its sale sets no paymentTimeoutSeconds. */
        timeoutSeconds: positiveInt.max(7 * 86400),
        /** How far the `t=` of a timestamped X-Signature may be from the gateway's clock before it is refused. */
        signatureToleranceSeconds: positiveInt.max(86400),
      })
      .strict(),
    admission: z
      .object({
        trustedProxies: z.array(ipOrCidr),
        rateLimits: z
          .object({
            enabled: z.boolean(),
            exemptIps: z.array(ipOrCidr),
            ip: limiterSchema,
            buyer: limiterSchema,
            sale: limiterSchema,
            // redisTimeoutMs: read while this limiter lived in Redis; accepted (and ignored) so older configs load.
            tokenIssue: limiterSchema.extend({ redisTimeoutMs: positiveInt.max(10_000).optional() }).strict(),
            /**
             * Joins of a sale's waiting room per buyer and per client address, cluster-wide: counted by the join
             * script. redisTimeoutMs: read while these limits had Redis calls of their own; accepted (and ignored)
             * so older configs load.
             */
            queueJoin: z
              .object({ buyer: limiterSchema, ip: limiterSchema, redisTimeoutMs: positiveInt.max(10_000).optional() })
              .strict(),
          })
          .strict(),
        /**
         * The waiting room's proof of work (docs/proof-of-work.md): hmacKey signs the challenges (null: derived
         * from auth.userJwtSecret); maxnumber runs from floor to ceiling with demand ÷ stock.
         */
        proofOfWork: z
          .object({
            hmacKey: z.string().min(16, "expected at least 16 characters").nullable(),
            floor: positiveInt.max(2 ** 32),
            ceiling: positiveInt.max(2 ** 32),
            challengeTtlSeconds: positiveInt.max(3600),
          })
          .strict()
          .refine((p) => p.ceiling >= p.floor, { path: ["ceiling"], message: "expected at least floor" }),
        /** The polls per second a waiting room's Retry-After aims for across its waiting buyers (all gateways). */
        roomPollsPerSecond: positiveInt.max(10_000_000),
        breakers: z
          .object({
            enabled: z.boolean(),
            redis: breakerSchema,
            rocketmq: breakerSchema,
            mysql: breakerSchema,
          })
          .strict(),
        shedding: z
          .object({
            enabled: z.boolean(),
            maxInFlight: positiveInt,
            maxEventLoopDelayMs: positiveInt,
            sampleIntervalMs: z.number().int().min(50).max(60_000),
          })
          .strict(),
      })
      .strict(),
    /** JSON lines on stderr (docs/operations.md "Logs"); accessSampleRate: share of answered requests logged (every 500 too). */
    log: z
      .object({
        level: z.enum(LOG_LEVELS),
        accessSampleRate: z.number().min(0).max(1),
      })
      .strict(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type MysqlShardConfig = z.infer<typeof mysqlShardSchema>;

/** `auth.adminToken` as a list, whichever form the config gives it in. */
export function adminTokens(auth: Pick<Config["auth"], "adminToken">): string[] {
  return typeof auth.adminToken === "string" ? [auth.adminToken] : [...auth.adminToken];
}

/**
 * The purchase tokens' keys as configured (newest first), or the JWT secret their one key is derived from
 * when `auth.purchaseTokenKeys` is absent: what `new PurchaseTokens(...)` takes.
 */
export function purchaseTokenKeys(
  auth: Pick<Config["auth"], "purchaseTokenKeys" | "userJwtSecret">,
): string | { id: string; secret: string }[] {
  return auth.purchaseTokenKeys ?? auth.userJwtSecret;
}
