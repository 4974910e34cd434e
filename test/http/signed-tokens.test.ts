import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { Api, MODES, ledgerRecords, rid, startGateway, testConfig } from "../helpers/env.js";

const KEY1 = { id: "k1", secret: "signed-tokens-test-key-one-0123456789" };
const KEY2 = { id: "k2", secret: "signed-tokens-test-key-two-0123456789" };

/**
 * Signed purchase tokens over HTTP (issue 20, item 4), on both Redis modes: issuing writes nothing, the
 * reserve script records a token's one use, and every token rule of CONTRACT.md holds (one use, bound to
 * buyer and sale, a replay answers the first answer, lost or unused tokens cost nothing). Key rotation runs
 * three gateways on one Redis: the old key only, both (new first), the new key only.
 */
describe.each(MODES)("signed purchase tokens on Redis %s", (mode) => {
  const started: GatewayProcess[] = [];
  let oldKey: Api;
  let rotating: Api;
  let newKey: Api;
  let gw: GatewayProcess;

  beforeAll(async () => {
    const base = testConfig(mode);
    const withKeys = (keys: (typeof KEY1)[]): Config => ({ ...base, auth: { ...base.auth, purchaseTokenKeys: keys } });
    const apis: Api[] = [];
    for (const keys of [[KEY1], [KEY2, KEY1], [KEY2]]) {
      const g = await startGateway(withKeys(keys));
      started.push(g.gw);
      apis.push(g.api);
    }
    [oldKey, rotating, newKey] = apis as [Api, Api, Api];
    gw = started[0]!;
  });
  afterAll(async () => {
    for (const g of started) await g.close();
  });

  const minter = (keys = [KEY2, KEY1]) => new PurchaseTokens(keys);
  const shardsOf = 2;

  async function newSale(stock = 10, perUserLimit = 3): Promise<string> {
    const saleId = `st${rid()}`;
    expect((await rotating.putSale(saleId, { stock, perUserLimit, shards: shardsOf })).status).toBe(201);
    return saleId;
  }

  /** What any attempt could change: the stock of every shard, the ledger, the buyers' counts, the token's record. */
  async function state(saleId: string, user: string, token: string) {
    const home = gw.keys.shard(saleId, homeShard(user, shardsOf));
    return {
      stats: (await rotating.stats(saleId)).body as Record<string, unknown>,
      ledger: await ledgerRecords(gw, saleId, shardsOf),
      buyers: await Promise.all(
        Array.from({ length: shardsOf }, (_, i) => gw.redis.hgetall(gw.keys.shard(saleId, i).buyers)),
      ),
      record: await gw.redis.hgetall(home.token(token)),
    };
  }

  it("issuing writes nothing; the token buys once, its replay answers the first answer, another quantity is refused", async () => {
    const saleId = await newSale();
    const user = `b-${rid(3)}`;
    const issued = await rotating.call("POST", `/v1/sales/${saleId}/tokens`, { headers: rotating.buyer(user) });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    // Minted with the first listed key, stating the expiry the answer gives.
    expect(minter([KEY2]).verify(token, saleId, user, Date.now())).toEqual({
      ok: true,
      expiresAt: Date.parse(issued.body.expiresAt as string),
      id: token,
    });
    const before = await state(saleId, user, token);
    expect(before.record).toEqual({});
    expect(before.ledger).toEqual([]);

    const first = await rotating.order(saleId, user, token, 2);
    expect(first.status).toBe(202);
    const after = await state(saleId, user, token);
    expect(after.record).toMatchObject({ u: user, q: "2", c: "1", o: first.body.orderId });
    expect(after.stats).toMatchObject({ redisRemaining: 8, reserved: 2 });

    // The replay, on every gateway that lists the token's key (k2): the first answer, nothing deducted again.
    for (const a of [rotating, newKey]) {
      const again = await a.order(saleId, user, token, 2);
      expect([again.status, again.body.orderId, again.headers.get("idempotent-replayed")]).toEqual([
        202,
        first.body.orderId,
        "true",
      ]);
    }
    const unlisted = await oldKey.order(saleId, user, token, 2);
    expect([unlisted.status, unlisted.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    const reused = await rotating.order(saleId, user, token, 1);
    expect([reused.status, reused.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
    // Refused attempts that reached the script tombstone their own order ids (as every refusal does); the rest is as it was.
    const end = await state(saleId, user, token);
    expect([end.record, end.buyers, end.ledger.filter((r) => r.state !== "tombstone")]).toEqual([
      after.record,
      after.buyers,
      after.ledger,
    ]);
    expect(end.stats).toMatchObject({ redisRemaining: 8, reserved: 2 });
  });

  it("an expired token is INVALID_TOKEN and changes nothing; a used one still replays after its expiry", async () => {
    const saleId = await newSale();
    const user = `e-${rid(3)}`;
    const expired = minter().mint(saleId, user, Date.now() - 1);
    const before = await state(saleId, user, expired);
    const r = await rotating.order(saleId, user, expired);
    expect([r.status, r.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    // Not even a tombstone: an expired token is answered from its (absent) record, without the reserve script.
    expect(await state(saleId, user, expired)).toEqual(before);

    // A token that buys just before it expires keeps answering its replays.
    const expiresAt = Date.now() + 1500;
    const short = minter().mint(saleId, user, expiresAt);
    const bought = await rotating.order(saleId, user, short);
    expect(bought.status).toBe(202);
    const unused = minter().mint(saleId, user, expiresAt);
    await waitUntil(expiresAt);
    const replay = await rotating.order(saleId, user, short);
    expect([replay.status, replay.body.orderId, replay.headers.get("idempotent-replayed")]).toEqual([
      202,
      bought.body.orderId,
      "true",
    ]);
    const late = await state(saleId, user, unused);
    const refused = await rotating.order(saleId, user, unused);
    expect([refused.status, refused.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    expect(await state(saleId, user, unused)).toEqual(late);
    expect(late.stats).toMatchObject({ redisRemaining: 9, reserved: 1 });
  });

  it("past its expiry plus the replay window a used token is refused by the gateway, its record still in Redis", async () => {
    const base = testConfig(mode);
    const short = await startGateway({
      ...base,
      redis: { ...base.redis, keyPrefix: gw.config.redis.keyPrefix },
      auth: { ...base.auth, purchaseTokenKeys: [KEY2, KEY1] },
      tokens: { ...base.tokens, replaySeconds: 1 },
    });
    started.push(short.gw);
    const saleId = await newSale();
    const user = `w-${rid(3)}`;
    const expiresAt = Date.now() + 1000;
    const token = minter().mint(saleId, user, expiresAt);
    // Bought through a gateway with the default window: its use record outlives the short one's window.
    const bought = await rotating.order(saleId, user, token);
    expect(bought.status).toBe(202);
    const replay = await short.api.order(saleId, user, token);
    expect([replay.status, replay.headers.get("idempotent-replayed")]).toEqual([202, "true"]);
    await waitUntil(expiresAt + 1000);
    const before = await state(saleId, user, token);
    expect(before.record).not.toEqual({});
    const late = await short.api.order(saleId, user, token);
    expect([late.status, late.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    expect(await state(saleId, user, token)).toEqual(before);
    // The default window still replays it.
    expect((await rotating.order(saleId, user, token)).headers.get("idempotent-replayed")).toBe("true");
  });

  it("a token is bound to its buyer and its sale", async () => {
    const saleId = await newSale();
    const otherSale = await newSale();
    const [alice, mallory] = [`a-${rid(3)}`, `m-${rid(3)}`];
    const token = await rotating.token(saleId, alice);
    const before = await state(saleId, alice, token);
    const stolen = await rotating.order(saleId, mallory, token);
    expect([stolen.status, stolen.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    const elsewhere = await rotating.order(otherSale, alice, token);
    expect([elsewhere.status, elsewhere.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    expect(await state(saleId, alice, token)).toEqual(before);
    expect((await rotating.stats(otherSale)).body).toMatchObject({ redisRemaining: 10, reserved: 0 });
    // Neither burned it: alice buys with it once; then mallory's try still finds it not hers.
    expect((await rotating.order(saleId, alice, token)).status).toBe(202);
    const afterUse = await rotating.order(saleId, mallory, token);
    expect([afterUse.status, afterUse.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    expect((await rotating.stats(saleId)).body).toMatchObject({ redisRemaining: 9, reserved: 1 });
  });

  it("rotation: a token of the old key buys while the key is listed, and not once it is gone", async () => {
    const saleId = await newSale();
    const [u1, u2] = [`r1-${rid(3)}`, `r2-${rid(3)}`];
    const old1 = await oldKey.token(saleId, u1);
    const old2 = await oldKey.token(saleId, u2);
    expect(Buffer.from(old1, "base64url").toString("latin1", 2, 4)).toBe("k1");
    expect((await rotating.order(saleId, u1, old1)).status).toBe(202);
    const gone = await newKey.order(saleId, u2, old2);
    expect([gone.status, gone.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    // A token of the new key is unknown to a gateway that lists only the old one, and buys on the others.
    const fresh = await rotating.token(saleId, u2);
    expect(Buffer.from(fresh, "base64url").toString("latin1", 2, 4)).toBe("k2");
    const unknown = await oldKey.order(saleId, u2, fresh);
    expect([unknown.status, unknown.body.error?.code]).toEqual([403, "INVALID_TOKEN"]);
    expect((await newKey.order(saleId, u2, fresh)).status).toBe(202);
    expect((await rotating.stats(saleId)).body).toMatchObject({ redisRemaining: 8, reserved: 2 });
  });
});

/** Polls the clock until `at` (unix ms) has passed: the token's expiry is a wall-clock fact, not a handshake. */
async function waitUntil(at: number): Promise<void> {
  while (Date.now() <= at) await new Promise((r) => setTimeout(r, Math.min(100, at - Date.now() + 1)));
}
