import { describe, expect, it } from "vitest";
import { Breakers, guardOrderSend, isRedisFailure } from "../../src/admission/breakers.js";
import { asApiError, refusalError } from "../../src/admission/refusals.js";
import { loadConfig } from "../../src/config/load.js";
import { ApiError } from "../../src/errors.js";
import { Metrics } from "../../src/observability/metrics.js";
import { HandOffUnconfirmed, KeyInFlight, ReplicasBehind } from "../../src/reservation/order-placer.js";

/** What a client sees of an ApiError: status, code, message, headers. */
const answer = (e: ApiError) => ({ status: e.status, body: e.body, headers: e.headers });

describe("domain refusals and their HTTP answers", () => {
  it("each refusal is answered with its code, message and Retry-After", () => {
    expect(answer(refusalError(new KeyInFlight()))).toEqual({
      status: 409,
      body: { error: { code: "IDEMPOTENCY_IN_PROGRESS", message: "this key is being processed right now" } },
      headers: {},
    });
    expect(answer(refusalError(new ReplicasBehind()))).toEqual({
      status: 503,
      body: {
        error: {
          code: "UNAVAILABLE",
          message: "the reservation is not yet on Redis replicas; retry with the same key",
        },
      },
      headers: { "retry-after": "1" },
    });
    expect(answer(refusalError(new ReplicasBehind("transfer-out")))).toEqual({
      status: 503,
      body: {
        error: {
          code: "UNAVAILABLE",
          message: "stock moving between shards is not yet on Redis replicas (transfer-out); retry with the same key",
        },
      },
      headers: { "retry-after": "1" },
    });
    expect(answer(refusalError(new HandOffUnconfirmed()))).toEqual({
      status: 503,
      body: {
        error: { code: "UNAVAILABLE", message: "order reserved, hand-off not yet confirmed; retry with the same key" },
      },
      headers: { "retry-after": "1" },
    });
  });

  it("asApiError leaves anything but a refusal as it is", () => {
    const api = new ApiError("SOLD_OUT", "no stock left");
    const other = new Error("boom");
    expect(asApiError(api)).toBe(api);
    expect(asApiError(other)).toBe(other);
  });

  it("a refusal is not a Redis failure: it neither opens a circuit nor becomes 'not answering'", () => {
    expect(isRedisFailure(new ReplicasBehind("transfer-in"))).toBe(false);
    expect(isRedisFailure(new KeyInFlight())).toBe(false);
  });
});

describe("guardOrderSend: the half message's send through the RocketMQ breaker", () => {
  const breakers = (enabled: boolean) => {
    const cfg = loadConfig({}).admission.breakers;
    return new Breakers({ ...cfg, enabled }, new Metrics());
  };
  const refusal = async (p: Promise<unknown>) =>
    answer(
      (await p.then(
        () => null,
        (e: unknown) => e,
      )) as ApiError,
    );

  it("breakers off: a failed send is the broker not taking the order message (503, Retry-After 1)", async () => {
    const send = guardOrderSend(breakers(false).rocketmq);
    expect(await send(() => Promise.resolve("sent"))).toBe("sent");
    expect(await refusal(send(() => Promise.reject(new Error("proxy gone"))))).toEqual({
      status: 503,
      body: { error: { code: "UNAVAILABLE", message: "RocketMQ did not take the order message: proxy gone" } },
      headers: { "retry-after": "1" },
    });
    const api = new ApiError("UNAVAILABLE", "broker away");
    await expect(send(() => Promise.reject(api))).rejects.toBe(api);
  });

  it("breakers on: the breaker's own answer stands", async () => {
    const b = breakers(true);
    try {
      const send = guardOrderSend(b.rocketmq);
      expect(await refusal(send(() => Promise.reject(new Error("proxy gone"))))).toEqual({
        status: 503,
        body: { error: { code: "UNAVAILABLE", message: "rocketmq is not answering: proxy gone" } },
        headers: { "retry-after": "1" },
      });
    } finally {
      b.shutdown();
    }
  });
});
