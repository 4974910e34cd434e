import CircuitBreaker from "opossum";
import type { Config } from "../config/schema.js";
import { ApiError, RETRY_SOON } from "../errors.js";
import type { Cell, CellCounter, Metrics } from "../observability/metrics.js";
import { saleSlot, shardSlot } from "../redis/keys.js";
import { homeShard } from "../reservation/home-shard.js";
import { PlacementRefused } from "../reservation/order-placer.js";
import { parseOrderId } from "../reservation/order-id.js";

export type Dependency = "redis" | "rocketmq" | "mysql";
export type BreakerState = "closed" | "open" | "half_open" | "disabled";

type BreakerConfig = Config["admission"]["breakers"]["redis"];
type Thunk = () => Promise<unknown>;

const EVENTS = ["success", "failure", "timeout", "reject", "open", "halfOpen", "close"] as const;

/** An answer (an API error, a domain refusal such as replicas not caught up), not a dependency's failure. */
function isAnswer(err: unknown): boolean {
  return err instanceof ApiError || err instanceof PlacementRefused;
}

/**
 * A Redis client failure (timeout, connection, cluster down, a failover under way: MASTERDOWN, UNBLOCKED
 * for a WAIT cut short when its primary turned replica, or "WAIT cannot be used with replica instances" for
 * a WAIT sent just after): the dependency, not the request. The buyer gets 503 and retries with the same
 * key; the outcome of a reservation caught in it is settled by its token.
 */
export function isRedisFailure(err: unknown): boolean {
  if (!(err instanceof Error) || isAnswer(err)) return false;
  return /Command timed out|Connection is closed|MaxRetriesPerRequest|ClusterAllFailed|CLUSTERDOWN|TRYAGAIN|ECONNREFUSED|ECONNRESET|LOADING|READONLY|MOVED|ASK|MASTERDOWN|UNBLOCKED|WAIT cannot be used with replica|Stream isn't writeable|Redis connection/.test(
    `${err.name} ${err.message}`,
  );
}

/** A MySQL failure of the connection or server (fatal, network, too many connections), not of the statement. */
function isMysqlFailure(err: unknown): boolean {
  if (!(err instanceof Error) || isAnswer(err)) return false;
  const e = err as Error & { fatal?: boolean; code?: string };
  return (
    e.fatal === true ||
    /^(E[A-Z]+|PROTOCOL_.*|ER_CON_COUNT_ERROR|ER_SERVER_SHUTDOWN|ER_LOCK_WAIT_TIMEOUT|POOL_CLOSED)$/.test(
      e.code ?? "",
    ) ||
    /timed? ?out/i.test(e.message)
  );
}

/** Every RocketMQ client error is a transport or broker failure: the request itself is always well-formed. */
function isRocketmqFailure(err: unknown): boolean {
  return !isAnswer(err);
}

/** The breaker's own "the call took longer than its bound" (not a dependency's ETIMEDOUT). */
class BreakerTimeout extends Error {
  constructor(readonly ms: number) {
    super(`Timed out after ${ms}ms`);
  }
}

function isBreakerTimeout(err: unknown): err is BreakerTimeout {
  return err instanceof BreakerTimeout;
}

/** What only some breakers have: the Redis node guarded, a bound for write transactions. */
export interface BreakerOptions {
  /** The Redis node this breaker guards (named in its 503s). */
  node?: string;
  /** The bound of runWrite's calls; the breaker's timeoutMs when absent. */
  writeTimeoutMs?: number;
}

/**
 * One opossum circuit breaker in front of a dependency. While it is open, calls fail at once with
 * 503 UNAVAILABLE and a Retry-After until the half-open probe; a call slower than `timeoutMs` is answered
 * 503 too. A timeout only stops the waiting: the call itself may still complete, so callers whose call
 * changes state (the Redis reservation) must treat it as "outcome unknown", never retry it blindly.
 */
export class DependencyBreaker {
  private readonly cb: CircuitBreaker<[Thunk], unknown> | null;
  private openedAt = 0;
  private readonly resetMs: number;
  private readonly timeoutMs: number;
  private readonly writeTimeoutMs: number;
  /** The Redis node this breaker guards, when it guards one (named in its 503s). */
  readonly node: string | undefined;
  readonly events: Record<(typeof EVENTS)[number], Cell>;

  constructor(
    readonly name: Dependency,
    cfg: BreakerConfig,
    enabled: boolean,
    private readonly isFailure: (err: unknown) => boolean,
    counter: CellCounter<"dependency" | "event">,
    opts: BreakerOptions = {},
  ) {
    this.node = opts.node;
    this.resetMs = cfg.resetTimeoutMs;
    this.timeoutMs = cfg.timeoutMs;
    this.writeTimeoutMs = opts.writeTimeoutMs ?? cfg.timeoutMs;
    this.events = Object.fromEntries(
      EVENTS.map((e) => [e, counter.cell({ dependency: name, event: e })]),
    ) as DependencyBreaker["events"];
    if (!enabled) {
      this.cb = null;
      return;
    }
    this.cb = new CircuitBreaker((thunk: Thunk) => thunk(), {
      name: opts.node ? `${name} ${opts.node}` : name,
      // Each call's bound is run's own (timeoutMs unless the caller gives one), counted as opossum counts its own.
      timeout: false,
      errorThresholdPercentage: cfg.errorThresholdPercentage,
      resetTimeout: cfg.resetTimeoutMs,
      volumeThreshold: cfg.volumeThreshold,
      rollingCountTimeout: cfg.rollingWindowMs,
      rollingCountBuckets: 10,
      // opossum keeps every call's latency for percentiles and sorts them all each time it reads its stats
      // (on every failure): at flash-sale rates that sort took two thirds of the gateway's CPU once calls
      // started failing, which made more calls fail. The breaker needs counts only.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // Business answers and our own bugs must not open the circuit of a healthy dependency; our own
      // timeouts (opossum's ETIMEDOUT) always count.
      errorFilter: (err: unknown) => !isBreakerTimeout(err) && !isFailure(err),
    });
    // opossum types each event's listener separately; every one here takes no arguments we need.
    const on = this.cb.on.bind(this.cb) as (event: string, listener: () => void) => unknown;
    // "timeout" is counted by `within` (opossum's own timeout is off, so it never emits one).
    for (const e of EVENTS) if (e !== "timeout") on(e, () => this.events[e].n++);
    this.cb.on("open", () => (this.openedAt = Date.now()));
  }

  private get label(): string {
    return this.node ? `${this.name} node ${this.node}` : this.name;
  }

  get state(): BreakerState {
    if (!this.cb) return "disabled";
    return this.cb.opened ? "open" : this.cb.halfOpen ? "half_open" : "closed";
  }

  private openError(): ApiError {
    const wait = Math.max(1, Math.ceil((this.openedAt + this.resetMs - Date.now()) / 1000));
    return new ApiError("UNAVAILABLE", `${this.label} is unavailable (circuit open); nothing was deducted`, {
      "retry-after": String(wait),
    });
  }

  /** Refuses with 503 while the circuit is open: called before anything is sent or deducted. */
  ensureClosed(): void {
    if (this.cb?.opened) throw this.openError();
  }

  /**
   * Runs `call` through the breaker; failures of the dependency come back as 503 UNAVAILABLE, and so does a
   * call slower than the breaker's `timeoutMs`. A timeout counts as a failure of the dependency.
   */
  run<T>(call: () => Promise<T>): Promise<T> {
    return this.runWithin(call, this.timeoutMs);
  }

  /**
   * run, for a write transaction (a batch of payments, a buyer's cancel), bounded by the write bound
   * (mysql.queryTimeoutMs) instead: on a saturated machine such a transaction takes over the breaker's
   * second for one read, and a 503 then, while it goes on to commit, only brings its callers back to find it
   * done (and its timeouts opened the circuit to the payments behind it).
   */
  runWrite<T>(call: () => Promise<T>): Promise<T> {
    return this.runWithin(call, this.writeTimeoutMs);
  }

  private runWithin<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
    if (!this.cb) return call();
    return (this.cb.fire(() => this.within(call(), timeoutMs)) as Promise<T>).catch(this.translate);
  }

  /** `work`, or a BreakerTimeout once `ms` pass first (one timer, as opossum's own timeout). */
  private within<T>(work: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.timeout.n++;
        reject(new BreakerTimeout(ms));
      }, ms);
      work.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  private readonly translate = (err: unknown): never => {
    const code = (err as { code?: unknown })?.code;
    if (code === "EOPENBREAKER") throw this.openError();
    if (code === "ESHUTDOWN") throw new ApiError("UNAVAILABLE", "the gateway is shutting down", RETRY_SOON);
    if (isBreakerTimeout(err)) {
      throw new ApiError(
        "UNAVAILABLE",
        `${this.label} did not answer within ${err.ms} ms; retry with the same key`,
        RETRY_SOON,
      );
    }
    if (this.isFailure(err))
      throw new ApiError("UNAVAILABLE", `${this.label} is not answering: ${(err as Error).message}`, RETRY_SOON);
    throw err;
  };

  shutdown(): void {
    this.cb?.shutdown();
  }
}

/**
 * The transactional placer's half-message send, through the RocketMQ breaker. A failure the breaker passes
 * on as it is (breakers disabled) is the broker not taking the order message: 503 as well.
 */
export function guardOrderSend(breaker: DependencyBreaker): <T>(send: () => Promise<T>) => Promise<T> {
  return async (send) => {
    try {
      return await breaker.run(send);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(
        "UNAVAILABLE",
        `RocketMQ did not take the order message: ${(err as Error).message}`,
        RETRY_SOON,
      );
    }
  };
}

/** The node that serves a cluster slot (the cluster client's slot table); null for a standalone Redis. */
export type SlotOwner = ((slot: number) => string | undefined) | null;

/** Breakers kept before those of nodes that no longer own a slot are dropped (failovers add nodes). */
const MAX_NODE_BREAKERS = 64;
/** Calls made before the cluster client knows its slot table. */
const UNKNOWN_NODE = "unknown";
const OPENNESS: Record<BreakerState, number> = { disabled: -1, closed: 0, half_open: 1, open: 2 };

/**
 * The Redis circuit, one breaker per primary node: a failing primary opens the circuit of its own slots only,
 * so a request whose keys live on a healthy primary goes on (one global breaker refused them all). A call's
 * node is the current owner of its key's slot, so a promoted replica starts closed once the client has
 * learned the new table. Per node rather than per stock shard: a node is what fails, one node's few failures
 * open it for all its shards at once, and the number of breakers is bounded by the cluster's size.
 * Standalone: one node, one breaker. Breakers are made on first use.
 */
export class RedisBreakers {
  readonly name = "redis";
  readonly events: DependencyBreaker["events"];
  private readonly single: DependencyBreaker | null;
  private readonly byNode = new Map<string, DependencyBreaker>();

  constructor(
    private readonly make: (node?: string) => DependencyBreaker,
    private readonly owner: SlotOwner,
  ) {
    this.single = owner ? null : make();
    // Every breaker counts into the same cells (labels dependency and event): one set of series.
    this.events = (this.single ?? this.node(UNKNOWN_NODE)).events;
  }

  /**
   * The breaker of a buyer's home shard's node (tokens, reservations, replays). Standalone hashes nothing:
   * the request path pays for the lookup only where there is more than one node.
   */
  forBuyer(sale: { saleId: string; shards: number }, userId: string): DependencyBreaker {
    return this.single ?? this.forSlot(shardSlot(sale.saleId, homeShard(userId, sale.shards)));
  }

  /** The breaker of the node serving a sale's own keys (its settings). */
  forSale(saleId: string): DependencyBreaker {
    return this.single ?? this.forSlot(saleSlot(saleId));
  }

  /** The breaker of the node holding an order's ledger record (named by its id); a malformed id touches nothing. */
  forOrder(orderId: string): DependencyBreaker {
    if (this.single) return this.single;
    const at = parseOrderId(orderId);
    return at ? this.forSlot(shardSlot(at.saleId, at.shard)) : this.node(UNKNOWN_NODE);
  }

  private forSlot(slot: number): DependencyBreaker {
    return this.single ?? this.node(this.owner!(slot) ?? UNKNOWN_NODE);
  }

  private node(node: string): DependencyBreaker {
    let b = this.byNode.get(node);
    if (b) return b;
    if (this.byNode.size >= MAX_NODE_BREAKERS) this.prune();
    this.byNode.set(node, (b = this.make(node)));
    return b;
  }

  /** Drops the closed breakers of nodes that own no slot any more (failed over, removed). */
  private prune(): void {
    const owners = new Set<string>([UNKNOWN_NODE]);
    for (let slot = 0; slot < 16384; slot++) {
      const o = this.owner!(slot);
      if (o) owners.add(o);
    }
    for (const [node, b] of this.byNode) {
      if (owners.has(node) || b.state === "open" || b.state === "half_open") continue;
      b.shutdown();
      this.byNode.delete(node);
    }
  }

  /** Each node's breaker state (standalone: one entry, "standalone"). */
  nodes(): [string, BreakerState][] {
    if (this.single) return [["standalone", this.single.state]];
    return [...this.byNode].map(([node, b]) => [node, b.state]);
  }

  /**
   * Open only when every node's circuit is open: while one primary serves, the gateway still sells and must
   * stay ready. Otherwise the most open state short of open (half_open while a probe is out).
   */
  get state(): BreakerState {
    if (this.single) return this.single.state;
    // The slot-less breaker counts only while the client has no table; it says nothing of a node.
    const states = [...this.byNode]
      .filter(([n]) => n !== UNKNOWN_NODE || this.byNode.size === 1)
      .map(([, b]) => b.state);
    if (states.every((st) => st === "open")) return states.length > 0 ? "open" : "closed";
    return states
      .filter((st) => st !== "open")
      .reduce<BreakerState>((a, b) => (OPENNESS[b] > OPENNESS[a] ? b : a), "disabled");
  }

  shutdown(): void {
    this.single?.shutdown();
    for (const b of this.byNode.values()) b.shutdown();
  }
}

/** The gateway's breakers: one per dependency, and for Redis one per node. */
export class Breakers {
  readonly redis: RedisBreakers;
  readonly rocketmq: DependencyBreaker;
  readonly mysql: DependencyBreaker;

  /**
   * `writeMs`: the bound of a MySQL write transaction (runWrite: a batch of payments, a buyer's cancel),
   * mysql.queryTimeoutMs; the breaker's own timeoutMs when absent.
   */
  constructor(
    cfg: Config["admission"]["breakers"],
    metrics: Metrics,
    redisSlotOwner: SlotOwner = null,
    writeMs?: number,
  ) {
    const events = metrics.counter("flashsale_breaker_events_total", "Circuit breaker events by dependency", [
      "dependency",
      "event",
    ]);
    this.redis = new RedisBreakers(
      (node) => new DependencyBreaker("redis", cfg.redis, cfg.enabled, isRedisFailure, events, { node }),
      redisSlotOwner,
    );
    this.rocketmq = new DependencyBreaker("rocketmq", cfg.rocketmq, cfg.enabled, isRocketmqFailure, events);
    this.mysql = new DependencyBreaker("mysql", cfg.mysql, cfg.enabled, isMysqlFailure, events, {
      writeTimeoutMs: writeMs,
    });
    // Across workers: the most open one's state (each worker has its own circuits).
    metrics.gauge(
      "flashsale_breaker_state",
      "Circuit state by dependency: 0 closed, 1 half-open, 2 open, -1 disabled (the most open worker's)",
      ["dependency"],
      (set) => {
        for (const [dependency, state] of Object.entries(this.states())) set({ dependency }, OPENNESS[state]);
      },
      "max",
    );
    metrics.gauge(
      "flashsale_breaker_node_state",
      "Redis circuit state by node, as flashsale_breaker_state (the most open worker's)",
      ["dependency", "node"],
      (set) => {
        for (const [node, state] of this.redis.nodes()) set({ dependency: "redis", node }, OPENNESS[state]);
      },
      "max",
    );
  }

  states(): Record<Dependency, BreakerState> {
    return { redis: this.redis.state, rocketmq: this.rocketmq.state, mysql: this.mysql.state };
  }

  shutdown(): void {
    this.redis.shutdown();
    this.rocketmq.shutdown();
    this.mysql.shutdown();
  }
}
