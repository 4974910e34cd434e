import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { loadScripts } from "../../src/redis/script-loader.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { rid, type Api } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { total } from "../observability/scrape.js";

/**
 * Issue 17, scenario 2. Redis runs a first attempt's reserve script and the reply is lost; ioredis resends
 * it on the new connection (autoResendUnfulfilledCommands), and the script finds the token already used,
 * by this very attempt's order id. That is this attempt's own new reservation: its message is committed and
 * the buyer gets a first 202 (no Idempotent-Replayed), and the row reaches MySQL through the writer, long
 * before the sweeper would re-send the order (persistAfterMs is set far out of reach here).
 */
describe("a reserve whose reply was lost and resent (gateway, Redis behind a proxy)", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  let proxy: TcpProxy;
  let direct: RedisClient;

  beforeAll(async () => {
    const base = await durableConfig("standalone", {
      sweeper: { persistAfterMs: 600_000 },
      // The sale stays cached, so the attempt's first Redis command is its reserve; the command timeout and
      // the breaker outlast the proxy's cut, so ioredis resends instead of giving up.
      sales: { metaCacheMs: 120_000 },
      redis: { commandTimeoutMs: 8000 },
      admission: { breakers: { redis: { timeoutMs: 10_000 } } },
    });
    const real = new URL(base.redis.url);
    proxy = await new TcpProxy({ host: real.hostname, port: Number(real.port || 6379) }).start();
    direct = createRedis(base.redis);
    cfg = { ...base, redis: { ...base.redis, url: `redis://127.0.0.1:${proxy.port}` } };
    ({ app, api } = await startApp(cfg));
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await stopApp(app, cfg);
    direct?.disconnect();
    await proxy?.stop();
  });

  it(
    "is this attempt's reservation: committed, answered as new, its row written by the writer",
    { timeout: 90_000 },
    async () => {
      const saleId = `lr${rid()}`;
      expect((await api.putSale(saleId, { stock: 5, perUserLimit: 2, shards: 1 })).status).toBe(201);
      const user = `lr-${rid(3)}`;
      const token = await api.token(saleId, user);
      const tok = app.keys.shard(saleId, 0).token(token);
      // Loaded beforehand: a NOSCRIPT answer swallowed by the proxy would be a lost reply of a script that never ran.
      await direct.script("LOAD", loadScripts().get("reserve")!.lua);
      const metrics = async () => (await api.call("GET", "/metrics")).body as string;
      const committedBefore = total(await metrics(), "flashsale_group_commit_orders_total", { outcome: "commit" }) ?? 0;

      proxy.setMode("drop-replies");
      const answer = api.order(saleId, user, token, 2);
      // Cut the connection once Redis has run the reserve (the token holds its outcome) and its reply is lost.
      const deadline = Date.now() + 20_000;
      while ((await direct.hget(tok, "c")) === null) {
        if (Date.now() > deadline) throw new Error("the reserve never ran in Redis through the proxy");
        await sleep(5);
      }
      expect(proxy.droppedReplies).toBeGreaterThan(0);
      proxy.setMode("reset");
      await sleep(20);
      proxy.setMode("pass");

      const r = await answer;
      expect([r.status, r.body.error]).toEqual([202, undefined]);
      expect(r.headers.get("idempotent-replayed")).toBeNull();
      const orderId = r.body.orderId as string;
      expect(await direct.hget(tok, "o")).toBe(orderId);
      const text = await metrics();
      expect(total(text, "flashsale_group_commit_orders_total", { outcome: "commit" })).toBe(committedBefore + 1);

      // Through the writer (the committed message), in seconds: the sweeper would wait 600 s.
      const row = await eventually(
        "the order's row",
        () => app.repo.getOrder(user, orderId),
        (o) => o !== null,
        30_000,
      );
      expect(row).toMatchObject({ orderId, saleId, userId: user, quantity: 2 });
      const counts = await app.repo.countBySale(saleId);
      expect(counts.total).toBe(1);
      // Stock taken once; the buyer's count once; the token answers this order to a real replay.
      expect(await direct.get(app.keys.shard(saleId, 0).stock)).toBe("3");
      expect(await direct.hget(app.keys.shard(saleId, 0).buyers, user)).toBe("2");
      const again = await api.order(saleId, user, token, 2);
      expect([again.status, again.body.orderId, again.headers.get("idempotent-replayed")]).toEqual([
        202,
        orderId,
        "true",
      ]);
      expect((await app.repo.countBySale(saleId)).total).toBe(1);
    },
  );
});
