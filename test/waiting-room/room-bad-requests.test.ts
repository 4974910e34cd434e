import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { waitFor } from "../../stack/proc.js";
import { scripts } from "../../src/redis/scripts.js";
import { QueueTickets } from "../../src/waiting-room/tickets.js";
import { Api, MODES, rid, startGateway, testConfig } from "../helpers/env.js";
import { join, pollUntil, putRoomSale, solved } from "./room-helpers.js";

interface Row {
  name: string;
  method: "GET" | "POST";
  path: () => string;
  headers: () => Record<string, string>;
  /** The body, or a function making it when the row runs (for values made in beforeAll). */
  body?: unknown;
  raw?: string;
  status: number;
  code: string;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/**
 * The waiting room's bad-request table: every row is refused with its status and code and changes nothing
 * (the room's members, pre-queue and counters, and every shard's stock, compared before and after).
 */
describe.each(MODES)("waiting room: bad requests change nothing (Redis %s)", (mode) => {
  let gw: GatewayProcess;
  let api: Api;
  const saleId = `wb${rid()}`;
  const otherSale = `wo${rid()}`;
  const laterSale = `wl${rid()}`;
  const plainSale = `wp${rid()}`;
  const soldSale = `wx${rid()}`;
  const victim = "victim-1";
  let ticket = "";
  let otherTicket = "";
  /** Proofs that do not answer: a wrong number, another buyer's, another sale's. */
  let wrongNumber = "";
  let othersProof = "";
  let otherSalesProof = "";

  beforeAll(async () => {
    ({ gw, api } = await startGateway(
      testConfig(mode, {
        admission: { rateLimits: { buyer: { points: 1_000_000 }, queueJoin: { buyer: { points: 1_000_000 } } } },
      }),
    ));
    // Starts in a minute: the victim is in the pre-queue, nothing is admitted while the table runs.
    await putRoomSale(api, saleId, { stock: 5, startInMs: 60_000, shards: 2 });
    await putRoomSale(api, otherSale, { stock: 5, startInMs: 60_000, shards: 2 });
    await putRoomSale(api, laterSale, { stock: 5, startInMs: 3_600_000, room: { opensSecondsBefore: 60 } });
    expect((await api.putSale(plainSale, { stock: 5 })).status).toBe(201);
    ticket = (await join(api, saleId, victim)).body.ticket;
    otherTicket = (await join(api, otherSale, victim)).body.ticket;
    const good = JSON.parse(Buffer.from(await solved(api, saleId, "newcomer-1"), "base64").toString());
    wrongNumber = Buffer.from(JSON.stringify({ ...good, number: good.number + 1 })).toString("base64");
    othersProof = await solved(api, saleId, "someone-else");
    otherSalesProof = await solved(api, otherSale, "newcomer-1");
    await sellOut();
  });

  /** soldSale's one unit bought and paid: sold out for good, as this gateway's copy of the progress says. */
  async function sellOut() {
    await putRoomSale(api, soldSale, { stock: 1, startInMs: -500, shards: 1 });
    const first = await join(api, soldSale, "buyer-1");
    const admitted = await pollUntil(api, soldSale, "buyer-1", first.body.ticket, (x) => x.state === "ADMITTED");
    const orderId = (await api.order(soldSale, "buyer-1", admitted.purchaseToken)).body.orderId as string;
    await scripts.markPaid(gw.redis, gw.keys.shard(soldSale, Number(orderId.split(".")[1])), orderId);
    const again = () => api.call("POST", `/v1/sales/${soldSale}/queue`, { headers: api.buyer("buyer-1"), body: {} });
    await waitFor("sold out for good", async () => (await again()).status === 409, 30_000, 100);
  }
  afterAll(() => gw?.close());

  const queue = () => `/v1/sales/${saleId}/queue`;
  const withTicket =
    (t: string, user = victim) =>
    () => ({ ...api.buyer(user), "queue-ticket": t });
  const minted = (over: Record<string, unknown>) => {
    const t = QueueTickets.fromJwtSecret(api.cfg.auth.userJwtSecret);
    return t.sign({ s: saleId, b: victim, j: Date.now(), pq: true, x: Date.now() + 60_000, ...over } as never);
  };
  const forged = () => {
    const [body, sig] = ticket.split(".");
    const p = JSON.parse(Buffer.from(body!, "base64url").toString());
    return `${b64({ ...p, p: 1 })}.${sig}`;
  };
  const otherKey = () =>
    new QueueTickets([{ kid: "j1", secret: "not-the-gateway-secret-at-all-000000" }]).sign({
      s: saleId,
      b: victim,
      j: Date.now(),
      pq: true,
      x: Date.now() + 60_000,
    });

  const rows: Row[] = [
    {
      name: "poll without a ticket",
      method: "GET",
      path: queue,
      headers: () => api.buyer(victim),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "malformed ticket (no dot)",
      method: "GET",
      path: queue,
      headers: withTicket("abc"),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "malformed ticket (short signature)",
      method: "GET",
      path: queue,
      headers: () => withTicket(`${ticket.split(".")[0]}.abc`)(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "malformed ticket (payload not JSON)",
      method: "GET",
      path: queue,
      headers: () => withTicket(`bm90IGpzb24.${ticket.split(".")[1]}`)(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "malformed ticket (too long)",
      method: "GET",
      path: queue,
      headers: withTicket("a".repeat(2000)),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "forged signature (place changed)",
      method: "GET",
      path: queue,
      headers: () => withTicket(forged())(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "signed with another key",
      method: "GET",
      path: queue,
      headers: () => withTicket(otherKey())(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "another buyer's ticket",
      method: "GET",
      path: queue,
      headers: () => withTicket(ticket, "thief-1")(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "another sale's ticket",
      method: "GET",
      path: queue,
      headers: () => withTicket(otherTicket)(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "expired ticket",
      method: "GET",
      path: queue,
      headers: () => withTicket(minted({ x: Date.now() - 1 }))(),
      status: 403,
      code: "INVALID_TICKET",
    },
    {
      name: "poll without a JWT",
      method: "GET",
      path: queue,
      headers: () => ({ "queue-ticket": ticket }),
      status: 401,
      code: "UNAUTHENTICATED",
    },
    {
      name: "join without a proof",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: {},
      status: 403,
      code: "INVALID_PROOF",
    },
    {
      name: "join with a wrong puzzle answer",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: () => ({ proof: wrongNumber }),
      status: 403,
      code: "INVALID_PROOF",
    },
    {
      name: "join with another buyer's solved puzzle",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: () => ({ proof: othersProof }),
      status: 403,
      code: "INVALID_PROOF",
    },
    {
      name: "join with another sale's solved puzzle",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: () => ({ proof: otherSalesProof }),
      status: 403,
      code: "INVALID_PROOF",
    },
    {
      name: "join with a proof that is not an ALTCHA payload",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: "any" },
      status: 403,
      code: "INVALID_PROOF",
    },
    {
      name: "join with an empty proof",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: "" },
      status: 403,
      code: "INVALID_PROOF",
    },
    {
      name: "join with a proof that is not a string",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: 42 },
      status: 400,
      code: "INVALID_REQUEST",
    },
    {
      name: "join with an unknown field",
      method: "POST",
      path: queue,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: "p", place: 1 },
      status: 400,
      code: "INVALID_REQUEST",
    },
    {
      name: "join with a body that is not JSON",
      method: "POST",
      path: queue,
      headers: () => ({ ...api.buyer("newcomer-1"), "content-type": "application/json" }),
      raw: "{proof",
      status: 400,
      code: "INVALID_REQUEST",
    },
    {
      name: "join before the room opens",
      method: "POST",
      path: () => `/v1/sales/${laterSale}/queue`,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: "p" },
      status: 409,
      code: "ROOM_NOT_OPEN",
    },
    {
      name: "join a room sold out for good",
      method: "POST",
      path: () => `/v1/sales/${soldSale}/queue`,
      headers: () => api.buyer("newcomer-1"),
      body: () => ({ proof: "p" }),
      status: 409,
      code: "SOLD_OUT",
    },
    {
      name: "join a sale without a room",
      method: "POST",
      path: () => `/v1/sales/${plainSale}/queue`,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: "p" },
      status: 404,
      code: "NO_WAITING_ROOM",
    },
    {
      name: "join an unknown sale",
      method: "POST",
      path: () => `/v1/sales/nope${rid()}/queue`,
      headers: () => api.buyer("newcomer-1"),
      body: { proof: "p" },
      status: 404,
      code: "SALE_NOT_FOUND",
    },
    {
      name: "the draw before the start",
      method: "GET",
      path: () => `${queue()}/draw`,
      headers: () => ({}),
      status: 409,
      code: "ROOM_NOT_OPEN",
    },
    {
      name: "a token on a room sale",
      method: "POST",
      path: () => `/v1/sales/${saleId}/tokens`,
      headers: () => api.buyer("newcomer-1"),
      status: 409,
      code: "ROOM_REQUIRED",
    },
  ];

  /** The room's Redis state and every shard's stock. */
  async function snapshot() {
    const k = gw.keys.room(saleId);
    const [members, pq, meta] = await Promise.all([
      gw.redis.hgetall(k.members),
      gw.redis.zrange(k.pq, 0, -1),
      gw.redis.hgetall(k.meta),
    ]);
    const stock = await Promise.all([0, 1].map((i) => gw.redis.get(gw.keys.shard(saleId, i).stock)));
    return { members, pq, meta, stock };
  }

  it("refuses each row with its status and code, and nothing changes", async () => {
    const before = await snapshot();
    expect(Object.keys(before.members)).toEqual([victim]);
    for (const row of rows) {
      const body = typeof row.body === "function" ? (row.body as () => unknown)() : row.body;
      const r = await api.call(row.method, row.path(), { headers: row.headers(), body, raw: row.raw });
      expect([r.status, r.body?.error?.code], row.name).toEqual([row.status, row.code]);
    }
    expect(await snapshot()).toEqual(before);
    // The victim's ticket still polls.
    const ok = await api.call("GET", queue(), { headers: withTicket(ticket)() });
    expect([ok.status, ok.body.state]).toEqual([200, "WAITING"]);
  });
});
