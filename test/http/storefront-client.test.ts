import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlashSaleClient, type AnswerInfo } from "@flashsale/client";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { type Api, finalRefusal, rid, startGateway, testConfig } from "../helpers/env.js";

/** The storefront client (packages/client) against a real gateway on Redis. */
describe("storefront client against a gateway", () => {
  let gw: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig("standalone")));
  });
  afterAll(() => gw?.close());

  it("reads the sale, places an order (token taken for it), replays it with the same key, reads it; the next buyer gets a typed SOLD_OUT", async () => {
    const saleId = `sf${rid()}`;
    expect((await api.putSale(saleId, { stock: 2, perUserLimit: 2, shards: 2, skuId: "sku-sf" })).status).toBe(201);
    const alice = api.storefront("alice");
    expect(await alice.getSale(saleId)).toMatchObject({
      saleId,
      skuId: "sku-sf",
      stock: 2,
      perUserLimit: 2,
      shards: 2,
      status: "LIVE",
      remaining: 2,
      paused: false,
    });

    const bob = api.storefront("bob");
    const { token: bobs } = await bob.takeToken(saleId);
    const placed = await alice.placeOrder(saleId, { quantity: 2 });
    expect(placed).toMatchObject({
      replayed: false,
      order: { saleId, skuId: "sku-sf", userId: "alice", quantity: 2, status: "RESERVED" },
    });
    expect(placed.idempotencyKey).toMatch(/^[A-Za-z0-9_-]{50,59}$/); // a signed purchase token

    // The storefront lost the answer and places it again with the key it kept: the same order, nothing deducted twice.
    const again = await alice.placeOrder(saleId, { purchaseToken: placed.idempotencyKey, quantity: 2 });
    expect(again).toMatchObject({ replayed: true, order: placed.order, idempotencyKey: placed.idempotencyKey });
    expect(await alice.getOrder(placed.order.orderId)).toMatchObject({
      orderId: placed.order.orderId,
      userId: "alice",
      quantity: 2,
      status: "RESERVED",
    });
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 0, reserved: 2 });

    const err = await finalRefusal(api, "bob", (buyer) => buyer.placeOrder(saleId, { purchaseToken: bobs }));
    expect(err).toMatchObject({ code: "SOLD_OUT", status: 409, retryable: false, idempotencyKey: bobs });
    // After sell-out no token is issued either; another buyer's order is not found, in the registry's terms.
    await expect(bob.takeToken(saleId)).rejects.toMatchObject({ code: "SOLD_OUT", status: 409 });
    await expect(bob.getOrder(placed.order.orderId)).rejects.toMatchObject({ code: "ORDER_NOT_FOUND", status: 404 });
  });

  it("a 429 from the buyer limit is waited out (its Retry-After) and the order placed with the same, unconsumed token", async () => {
    const limited = await startGateway(
      testConfig("standalone", {
        redis: { keyPrefix: gw.config.redis.keyPrefix },
        admission: { rateLimits: { buyer: { points: 1, durationSeconds: 1, blockSeconds: 0 } } },
      } as never),
    );
    try {
      const saleId = `sf429${rid()}`;
      expect((await api.putSale(saleId, { stock: 3, shards: 1 })).status).toBe(201);
      const answers: (AnswerInfo & { at: number })[] = [];
      const carol = new FlashSaleClient({
        baseUrl: limited.api.base,
        getToken: () => api.jwt("carol"),
        retry: { maxAttempts: 3, maxDelayMs: 3000 },
        onResponse: (a) => answers.push({ ...a, at: Date.now() }),
      });
      // The token takes the buyer's one point this second; the order is refused 429 and retried.
      const placed = await carol.placeOrder(saleId);
      expect(answers.map((a) => [a.path, a.status])).toEqual([
        [`/v1/sales/${saleId}/tokens`, 201],
        [`/v1/sales/${saleId}/orders`, 429],
        [`/v1/sales/${saleId}/orders`, 202],
      ]);
      const retryAfter = Number(answers[1]!.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(answers[2]!.at - answers[1]!.at).toBeGreaterThanOrEqual(retryAfter * 1000 - 50);
      expect(placed).toMatchObject({ attempts: 2, replayed: false, order: { userId: "carol", quantity: 1 } });
      expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 2, reserved: 1 });
    } finally {
      await limited.gw.close();
    }
  });
});
