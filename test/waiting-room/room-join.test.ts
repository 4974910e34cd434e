import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../stack/proc.js";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { createRedis } from "../../src/redis/client.js";
import { scripts } from "../../src/redis/scripts.js";
import { Api, MODES, rid, startGateway, testConfig } from "../helpers/env.js";
import { monitorNode } from "../helpers/redis-monitor.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { join, pollUntil, putRoomSale, solved } from "./room-helpers.js";

/** Every Redis node of the config, as host:port. */
function nodesOf(cfg: Config): string[] {
  if (cfg.redis.mode === "cluster") return cfg.redis.nodes;
  return [new URL(cfg.redis.url).host];
}

/**
 * A join's Redis commands (MONITOR on every node) while `run` goes: those a client sent (not the ones a
 * script ran, nor a replica's copies of a primary's writes) naming the buyer (the join script's keys and
 * arguments, or any other lookup of the buyer), the room's limit keys, reads of the sale's settings and
 * subscriptions. The admission loop's own commands name no buyer. Reads of the room's progress are not
 * counted: the gateway's copy is read again in the background when it heard no message for 3 s (seen when the
 * process driving the room starved on a loaded machine), whatever the requests do.
 */
async function commandsOf(
  gw: GatewayProcess,
  saleId: string,
  buyer: string,
  run: () => Promise<void>,
): Promise<string[][]> {
  const prefix = gw.config.redis.keyPrefix;
  // MONITOR lines trail the replies a little: a marker command in the room's slot (the join's node), seen
  // after the join's commands, closes the window.
  const marker = `${gw.keys.room(saleId).meta}:marker-${rid(3)}`;
  const seen: string[][] = [];
  let markerSeen = false;
  const nodes = nodesOf(gw.config);
  const monitors = await Promise.all(
    nodes.map((n) =>
      monitorNode(n, (args, source) => {
        if (source === "lua" || nodes.includes(source) || !args.some((x) => x.includes(prefix))) return;
        if (args.includes(marker)) return void (markerSeen = true);
        const cmd = args[0]!.toLowerCase();
        const read = cmd === "hgetall" && /:sale:\{/.test(args[1]!);
        if (args.includes(buyer) || args.some((x) => x.includes(":rl:")) || read || cmd === "ssubscribe")
          seen.push(args);
      }),
    ),
  );
  try {
    await run();
    await gw.redis.exists(marker);
    await waitFor("the marker seen", () => Promise.resolve(markerSeen), 5000, 10);
  } finally {
    for (const m of monitors) m.stop();
  }
  return seen;
}

/**
 * POST /v1/sales/{saleId}/queue is one Redis call (the join script, which counts the attempt against the
 * join limits first), and none once this gateway's copy of the room's progress says the sale is sold out for
 * good. Two gateways share one room and one set of limits.
 */
describe.each(MODES)("a waiting-room join is one Redis call (Redis %s)", (mode) => {
  let a: { gw: GatewayProcess; api: Api };
  let b: { gw: GatewayProcess; api: Api };
  let cfg: Config;
  const saleId = `wj${rid()}`;
  const window = { durationSeconds: 300, blockSeconds: 0 };

  beforeAll(async () => {
    // Sale settings cached for a minute; the address is the proxy's X-Forwarded-For hop (loopback is exempt).
    cfg = testConfig(mode, {
      sales: { metaCacheMs: 60_000 },
      admission: {
        trustedProxies: ["127.0.0.1"],
        rateLimits: {
          buyer: { points: 1_000_000 },
          queueJoin: { buyer: { points: 3, ...window }, ip: { points: 4, ...window } },
        },
      },
    });
    a = await startGateway(cfg);
    b = await startGateway(cfg);
    await putRoomSale(a.api, saleId, { stock: 5, startInMs: -500, shards: 2 });
    // Each gateway has the sale and its copy of the room's progress (a process's first join reads it).
    for (const g of [a, b]) expect((await join(g.api, saleId, `warm-${rid(3)}`)).status).toBe(201);
  });
  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
  });

  const from = (address: string) => ({ "x-forwarded-for": address });
  const post = (g: { api: Api }, user: string, body: unknown, address: string) =>
    g.api.call("POST", `/v1/sales/${saleId}/queue`, { headers: { ...g.api.buyer(user), ...from(address) }, body });
  /** A join posted while commandsOf watches: its reply, and the names of the Redis commands it sent. */
  async function postWatched(g: { api: Api }, user: string, body: unknown, address: string) {
    let reply: Awaited<ReturnType<typeof post>> | undefined;
    const sent = await commandsOf(a.gw, saleId, user, async () => void (reply = await post(g, user, body, address)));
    return { reply: reply!, sent: sent.map((c) => c[0]!.toLowerCase()) };
  }

  async function room() {
    const k = a.gw.keys.room(saleId);
    const [members, pq, meta] = await Promise.all([
      a.gw.redis.hgetall(k.members),
      a.gw.redis.zrange(k.pq, 0, -1),
      a.gw.redis.hgetall(k.meta),
    ]);
    const stock = await Promise.all([0, 1].map((i) => a.gw.redis.get(a.gw.keys.shard(saleId, i).stock)));
    return { members, pq, meta, stock };
  }

  it("a join with a proof, a re-join without one, and a limited attempt each send one EVALSHA", async () => {
    const user = `j-${rid(3)}`;
    const proof = await solved(a.api, saleId, user);
    const { reply: joined, sent: first } = await postWatched(a, user, { proof }, "198.51.100.1");
    expect(joined.status).toBe(201);
    expect(first).toEqual(["evalsha"]);

    const { reply: again, sent: second } = await postWatched(b, user, {}, "198.51.100.2");
    expect([again.status, again.body.ticket]).toEqual([200, joined.body.ticket]);
    expect(second).toEqual(["evalsha"]);

    // The third attempt is the buyer's last (3 per window); the fourth is refused, by the same one call.
    expect((await post(a, user, {}, "198.51.100.3")).status).toBe(200);
    const before = await room();
    const { reply: limited, sent: third } = await postWatched(b, user, { proof }, "198.51.100.4");
    expect([limited.status, limited.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect(limited.body.error.message).toContain("queue_join_buyer limit");
    const retry = Number(limited.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(280);
    expect(retry).toBeLessThanOrEqual(300);
    expect(third).toEqual(["evalsha"]);
    expect(await room()).toEqual(before);
    // Counted where the limiter refusals always were.
    expect(await (await fetch(`${b.api.opsBase}/metrics`)).text()).toMatch(
      /flashsale_rate_limited_total\{limiter="queue_join_buyer"\} [1-9]/,
    );
  });

  it("limits hold per buyer and per address across the two gateways; bad proofs count too", async () => {
    // Per address (4 a window): four buyers from one address over both gateways, the fifth refused.
    const address = "198.51.100.50";
    const users = Array.from({ length: 5 }, (_, i) => `ad${i}-${rid(2)}`);
    const proofs = await Promise.all(users.map((u) => solved(a.api, saleId, u)));
    const statuses = [];
    for (const [i, u] of users.entries())
      statuses.push((await post(i % 2 ? b : a, u, { proof: proofs[i] }, address)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    const refused = await post(a, users[4]!, { proof: proofs[4] }, address);
    expect([refused.status, refused.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect(refused.body.error.message).toContain("queue_join_ip limit");
    // Refused by address, the buyer kept its points: three attempts from elsewhere, the fourth refused.
    const elsewhere = [];
    for (let i = 0; i < 4; i++)
      elsewhere.push((await post(i % 2 ? a : b, users[4]!, { proof: proofs[4] }, `198.51.100.${60 + i}`)).status);
    expect(elsewhere).toEqual([201, 200, 200, 429]);

    // Per buyer, bad proofs included: two wrong proofs spend two of the three points.
    const bot = `bot-${rid(2)}`;
    const tries = [];
    for (const [i, proof] of ["nope", "still-nope"].entries())
      tries.push((await post(i ? b : a, bot, { proof }, `198.51.100.${70 + i}`)).status);
    tries.push((await post(b, bot, { proof: await solved(b.api, saleId, bot) }, "198.51.100.72")).status);
    tries.push((await post(a, bot, { proof: await solved(a.api, saleId, bot) }, "198.51.100.73")).status);
    expect(tries).toEqual([403, 403, 201, 429]);
  });

  it("once the room is sold out for good, a join sends no Redis command and answers 409 SOLD_OUT", async () => {
    const sold = `ws${rid()}`;
    await putRoomSale(a.api, sold, { stock: 1, startInMs: -500, shards: 1 });
    const buyer = `sb-${rid(2)}`;
    const first = await join(a.api, sold, buyer);
    expect(first.status).toBe(201);
    const admitted = await pollUntil(a.api, sold, buyer, first.body.ticket, (x) => x.state === "ADMITTED");
    const order = await a.api.order(sold, buyer, admitted.purchaseToken);
    expect(order.status).toBe(202);
    const orderId = order.body.orderId as string;
    await scripts.markPaid(a.gw.redis, a.gw.keys.shard(sold, Number(orderId.split(".")[1])), orderId);
    // Each gateway learns it from its copy of the progress: probes without a proof (refused INVALID_PROOF,
    // nothing written) until the answer turns to SOLD_OUT.
    let probes = 0;
    for (const g of [a, b])
      await waitFor(
        "the gateway's copy says sold out",
        async () => {
          const u = `probe${probes++}`;
          const r = await g.api.call("POST", `/v1/sales/${sold}/queue`, {
            headers: { ...g.api.buyer(u), ...from(`203.0.113.${probes % 250}`) },
            body: {},
          });
          return r.status === 409;
        },
        30_000,
        100,
      );
    for (const g of [a, b]) {
      const user = `late-${rid(3)}`;
      const proof = await solved(g.api, sold, user);
      let r: Awaited<ReturnType<typeof post>> | undefined;
      const sent = await commandsOf(g.gw, sold, user, async () => {
        r = await g.api.call("POST", `/v1/sales/${sold}/queue`, {
          headers: { ...g.api.buyer(user), ...from("192.0.2.9") },
          body: { proof },
        });
      });
      expect([r!.status, r!.body.error.code, r!.body.error.message]).toEqual([409, "SOLD_OUT", "the sale is sold out"]);
      expect(sent, "Redis commands sent by a join after the sell-out").toEqual([]);
    }
    expect(Object.keys(await a.gw.redis.hgetall(a.gw.keys.room(sold).members))).toEqual([buyer]);
  });
});

describe("a waiting-room join while Redis does not answer", () => {
  let proxy: TcpProxy | undefined;
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    proxy?.setMode("reset");
    await gw?.close();
    await proxy?.stop();
  });

  it("answers 503 UNAVAILABLE with Retry-After (no in-memory limiter lets it through), and joins nobody", async () => {
    const base = testConfig("standalone");
    const redis = new URL(base.redis.url);
    proxy = await new TcpProxy({ host: redis.hostname, port: Number(redis.port) }).start();
    const cfg = testConfig("standalone", {
      redis: { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: base.redis.keyPrefix },
      sales: { metaCacheMs: 60_000 },
    });
    let api: Api;
    ({ gw, api } = await startGateway(cfg));
    const saleId = `wu${rid()}`;
    await putRoomSale(api, saleId, { stock: 5, startInMs: -500, shards: 2 });
    expect((await join(api, saleId, `warm-${rid(2)}`)).status).toBe(201);
    const user = `cut-${rid(2)}`;
    const proof = await solved(api, saleId, user);

    proxy.setMode("blackhole");
    const started = Date.now();
    const r = await api.call("POST", `/v1/sales/${saleId}/queue`, { headers: api.buyer(user), body: { proof } });
    expect([r.status, r.body.error.code]).toEqual([503, "UNAVAILABLE"]);
    expect(r.headers.get("retry-after")).not.toBeNull();
    // Within the Redis breaker's timeout (1.5 s), with some slack for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5000);
    proxy.setMode("reset");
    proxy.setMode("pass");
    const direct = createRedis(base.redis);
    try {
      expect(await direct.hexists(gw.keys.room(saleId).members, user)).toBe(0);
    } finally {
      direct.disconnect();
    }
  });
});
