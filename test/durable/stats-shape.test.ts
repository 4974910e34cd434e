import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { rid, type Api } from "../helpers/env.js";
import type { Doc } from "../helpers/openapi-doc.js";
import { join, pollUntil, putRoomSale } from "../waiting-room/room-helpers.js";

/** Every key path of a JSON value's objects, e.g. `mysql.quantity.paid`. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

/** Every property path a schema names, following `properties` (not `additionalProperties`). */
function schemaPaths(schema: Doc, prefix = ""): string[] {
  return Object.entries((schema.properties ?? {}) as Record<string, Doc>).flatMap(([k, s]) => [
    `${prefix}${k}`,
    ...schemaPaths(s, `${prefix}${k}.`),
  ]);
}

/**
 * GET /v1/admin/sales/{saleId}/stats of a gateway with MySQL (the sweeper's stats, the fullest shape)
 * against the document's SaleStats: the same fields at every level, and the answer valid against it.
 */
describe("sale stats as the document describes them", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig();
    ({ app, api } = await startApp(cfg, { roles: { writer: true, sweeper: false } }));
  });
  afterAll(() => stopApp(app, cfg));

  it("answers exactly the fields SaleStats names, nested ones too, and fits the schema", async () => {
    const doc: Doc = structuredClone(openApiDocument());
    const schema = ((await SwaggerParser.dereference(doc)) as Doc).components.schemas.SaleStats;
    const saleId = `st${rid(4)}`;
    // A sale with a waiting room: its stats carry the room's numbers too (the fullest shape).
    await putRoomSale(api, saleId, { stock: 5, perUserLimit: 2, shards: 2, startInMs: -1000 });
    const joined = await join(api, saleId, "stats");
    const admitted = await pollUntil(api, saleId, "stats", joined.body.ticket, (b) => b.state === "ADMITTED");
    expect((await api.order(saleId, "stats", admitted.purchaseToken)).status).toBe(202);
    const stats = await eventually(
      "the order in MySQL",
      () => api.stats(saleId),
      // The row, then the ledger's record confirmed by the writer after it (between the two, drift reads 1).
      (r) =>
        r.status === 200 &&
        r.body.mysql?.total === 1 &&
        r.body.redis?.confirmed === 1 &&
        r.body.waitingRoom?.bought === 1,
    );
    expect(keyPaths(stats.body).sort()).toEqual(schemaPaths(schema).sort());
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
    expect(validate(stats.body), JSON.stringify(validate.errors)).toBe(true);
    expect(stats.body).toMatchObject({ stock: 5, unpaid: 1, refunds: 0, drift: 0 });
  });
});
