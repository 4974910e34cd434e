import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import {
  HandOffUnconfirmed,
  KeyInFlight,
  ReplicasBehind,
  type PlacementRefused,
} from "../../src/reservation/order-placer.js";
import { total } from "../observability/scrape.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";

/**
 * The placer's refusals are domain errors; the buy route answers each as it always did: the same status,
 * code, message and Retry-After, and an UNAVAILABLE counted as the "unavailable" outcome. The placer here is
 * a stand-in that refuses with whatever the test sets.
 */
describe("a placer's refusals over HTTP", () => {
  let gw: GatewayProcess;
  let api: Api;
  let refusal: PlacementRefused = new KeyInFlight();

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig("standalone"), { placer: { place: () => Promise.reject(refusal) } }));
  });
  afterAll(() => gw.close());

  const cases: [string, () => PlacementRefused, number, string, string, string | null][] = [
    [
      "a duplicate in flight",
      () => new KeyInFlight(),
      409,
      "IDEMPOTENCY_IN_PROGRESS",
      "this key is being processed right now",
      null,
    ],
    [
      "a reservation not yet replicated",
      () => new ReplicasBehind(),
      503,
      "UNAVAILABLE",
      "the reservation is not yet on Redis replicas; retry with the same key",
      "1",
    ],
    [
      "a transfer step not yet replicated",
      () => new ReplicasBehind("transfer-in"),
      503,
      "UNAVAILABLE",
      "stock moving between shards is not yet on Redis replicas (transfer-in); retry with the same key",
      "1",
    ],
    [
      "a hand-off not confirmed",
      () => new HandOffUnconfirmed(),
      503,
      "UNAVAILABLE",
      "order reserved, hand-off not yet confirmed; retry with the same key",
      "1",
    ],
  ];

  it.each(cases)("%s", async (_, make, status, code, message, retryAfter) => {
    const saleId = `ref${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 1 })).status).toBe(201);
    const user = `u-${rid(3)}`;
    const token = await api.token(saleId, user);
    const unavailable = async () =>
      total((await api.call("GET", "/metrics")).body as string, "flashsale_reservations_total", {
        outcome: "unavailable",
      }) ?? 0;
    const before = await unavailable();
    refusal = make();
    const r = await api.order(saleId, user, token);
    expect([r.status, r.body]).toEqual([status, { error: { code, message } }]);
    expect(r.headers.get("retry-after")).toBe(retryAfter);
    expect(await unavailable()).toBe(before + (code === "UNAVAILABLE" ? 1 : 0));
  });
});
