import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { purchaseTokenKeys, type Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, stopApp } from "../helpers/durable.js";
import { Api, apiFor, ledgerRecords, rid } from "../helpers/env.js";

/**
 * Expired signed tokens on the transactional path (RocketMQ half message → reserve → commit): one that never
 * bought is refused with no message and no ledger entry (not even a tombstone); one that bought keeps
 * answering its replays after its expiry, also on a gateway that never saw it buy; the 202 becomes one row.
 */
describe("expired purchase tokens through the transactional placer", () => {
  let cfg: Config;
  let gateway: GatewayProcess;
  let other: GatewayProcess;
  let api: Api;
  let otherApi: Api;

  beforeAll(async () => {
    cfg = await durableConfig("standalone");
    gateway = await GatewayProcess.start(cfg, { port: 0 });
    other = await GatewayProcess.start(cfg, { port: 0, roles: { writer: false, sweeper: false } });
    api = apiFor(gateway, cfg);
    otherApi = apiFor(other, cfg);
  });
  afterAll(async () => {
    await other?.close();
    await stopApp(gateway, cfg);
  });

  it("refuses an unused expired token with nothing written, and replays a used one after its expiry", async () => {
    const saleId = `ste${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, perUserLimit: 2, shards: 2 })).status).toBe(201);
    const user = `x-${rid(3)}`;
    const minter = new PurchaseTokens(purchaseTokenKeys(cfg.auth));

    const expired = minter.mint(saleId, user, Date.now() - 1);
    const refused = await api.order(saleId, user, expired);
    expect([refused.status, refused.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    expect(await ledgerRecords(gateway, saleId, 2)).toEqual([]);

    const expiresAt = Date.now() + 2000;
    const short = minter.mint(saleId, user, expiresAt);
    const bought = await api.order(saleId, user, short);
    expect(bought.status).toBe(202);
    while (Date.now() <= expiresAt) await new Promise((r) => setTimeout(r, 100));
    // The other gateway never saw this token buy: only its expiry sends it to the replay script.
    for (const a of [otherApi, api]) {
      const replay = await a.order(saleId, user, short);
      expect([replay.status, replay.body.orderId, replay.headers.get("idempotent-replayed")]).toEqual([
        202,
        bought.body.orderId,
        "true",
      ]);
    }
    const late = await otherApi.order(saleId, user, minter.mint(saleId, user, expiresAt));
    expect([late.status, late.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    // One reservation, no tombstone: none of the refused or replayed attempts left a ledger entry.
    expect((await ledgerRecords(gateway, saleId, 2)).map((r) => r.orderId)).toEqual([bought.body.orderId]);
    await eventually(
      "the row",
      () => gateway.repo.getOrder(user, bought.body.orderId as string),
      (o) => o?.status === "CONFIRMED",
    );
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 4, reserved: 1, drift: 0 });
  });
});
