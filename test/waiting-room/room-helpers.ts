import { waitFor } from "../../stack/proc.js";
import { proofFor } from "../../support/pow-answer.js";
import { startGateway, testConfig, type Api, type RedisMode } from "../helpers/env.js";

export interface RoomSpec {
  stock: number;
  /** Start relative to now. */
  startInMs: number;
  durationMs?: number;
  shards?: number;
  perUserLimit?: number;
  room?: Record<string, unknown>;
}

/** PUT a sale with a waiting room; throws unless created or replaced. */
export async function putRoomSale(api: Api, saleId: string, s: RoomSpec) {
  const startsAt = Date.now() + s.startInMs;
  const r = await api.call("PUT", `/v1/admin/sales/${saleId}`, {
    headers: api.admin(),
    body: {
      skuId: `sku-${saleId}`,
      stock: s.stock,
      perUserLimit: s.perUserLimit ?? 1,
      startsAt,
      endsAt: startsAt + (s.durationMs ?? 3_600_000),
      shards: s.shards ?? 2,
      waitingRoom: { admissionTtlSeconds: 60, ...s.room },
    },
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`put ${saleId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The buyer's solved proof of work for this sale (GET .../queue/challenge, answered in Node). */
export async function solved(api: Api, saleId: string, user: string): Promise<string> {
  const c = await api.call("GET", `/v1/sales/${saleId}/queue/challenge`, { headers: api.buyer(user) });
  if (c.status !== 200) throw new Error(`challenge: ${c.status} ${JSON.stringify(c.body)}`);
  return proofFor(c.body);
}

/** A join with a solved proof (or the `proof` given, as is). */
export async function join(api: Api, saleId: string, user: string, proof?: unknown) {
  const body = { proof: proof === undefined ? await solved(api, saleId, user) : proof };
  return api.call("POST", `/v1/sales/${saleId}/queue`, { headers: api.buyer(user), body });
}

export const poll = (api: Api, saleId: string, user: string, ticket: string) =>
  api.call("GET", `/v1/sales/${saleId}/queue`, { headers: { ...api.buyer(user), "queue-ticket": ticket } });

/** Polls (with the latest ticket) until `done` holds for the answer; returns it. */
export async function pollUntil(
  api: Api,
  saleId: string,
  user: string,
  ticket: string,
  done: (body: any) => boolean,
  timeoutMs = 30_000,
): Promise<any> {
  let last: any;
  await waitFor(
    `${user}'s poll`,
    async () => {
      const r = await poll(api, saleId, user, last?.ticket ?? ticket);
      if (r.status !== 200) throw new Error(`poll: ${r.status} ${JSON.stringify(r.body)}`);
      last = r.body;
      return done(last);
    },
    timeoutMs,
    100,
  );
  return last;
}

/** A gateway for room tests: one buyer polls and orders many times, so the per-buyer request limit is lifted. */
export function startRoomGateway(mode: RedisMode) {
  return startGateway(testConfig(mode, { admission: { rateLimits: { buyer: { points: 1_000_000 } } } }));
}
