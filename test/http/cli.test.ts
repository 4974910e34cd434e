import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { freePort, ROOT } from "../../stack/proc.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";

/** `npx flashsale …` as an operator runs it: the bin script in a process of its own. */
function flashsale(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "flashsale.mjs"), ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (error, out, err) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

describe("the operator CLI (npx flashsale)", () => {
  let g: { gw: GatewayProcess; api: Api };
  let url: string;
  beforeAll(async () => {
    g = await startGateway(testConfig("standalone"));
    // The admin API is on the ops listener.
    url = `http://127.0.0.1:${g.gw.opsPort}`;
  });
  afterAll(() => g?.gw.close());

  it("creates a sale, lists it, pauses and resumes it; --json gives the API's answer", async () => {
    const id = `cli${rid()}`;
    const put = await flashsale([
      "--url",
      url,
      "--json",
      "put",
      id,
      "--sku",
      "sneaker-1",
      "--stock",
      "50",
      "--limit",
      "2",
      "--shards",
      "4",
      "--starts-in",
      "1h",
      "--duration",
      "30m",
    ]);
    expect(put.code, put.err).toBe(0);
    const sale = JSON.parse(put.out);
    expect(sale).toMatchObject({
      saleId: id,
      skuId: "sneaker-1",
      stock: 50,
      perUserLimit: 2,
      shards: 4,
      paused: false,
    });
    expect(Date.parse(sale.endsAt) - Date.parse(sale.startsAt)).toBe(30 * 60_000);
    const list = await flashsale(["--url", url, "--json", "sales"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).sales.map((s: { saleId: string }) => s.saleId)).toContain(id);
    const table = await flashsale(["--url", url, "sales"]);
    expect(table.out).toMatch(new RegExp(`^${id}\\s+sneaker-1\\s+50\\s+2\\s+4`, "m"));
    expect(JSON.parse((await flashsale(["--url", url, "--json", "pause", id])).out).paused).toBe(true);
    const listed = JSON.parse((await flashsale(["--url", url, "--json", "sales"])).out).sales.find(
      (s: { saleId: string }) => s.saleId === id,
    );
    expect(listed.paused).toBe(true);
    expect(JSON.parse((await flashsale(["--url", url, "--json", "resume", id])).out).paused).toBe(false);
  });

  it("says clearly what went wrong: the gateway's refusal, a bad argument, an unreachable gateway", async () => {
    const missing = await flashsale(["--url", url, "pause", `nosuch${rid()}`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/404 SALE_NOT_FOUND: no sale with this id/);
    const badToken = await flashsale(["--url", url, "--token", "wrong", "sales"]);
    expect(badToken.code).toBe(1);
    expect(badToken.err).toMatch(/403 FORBIDDEN/);
    const usage = await flashsale(["--url", url, "put", "x", "--stock", "ten", "--sku", "s", "--limit", "1"]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--stock: expected a whole number/);
    expect((await flashsale(["--url", url, "frobnicate"])).err).toMatch(/unknown command "frobnicate"/);
    const closed = await freePort(); // nothing listens there
    const down = await flashsale(["sales"], { FLASHSALE_URL: `http://127.0.0.1:${closed}` });
    expect(down.code).toBe(1);
    expect(down.err).toContain(`cannot reach the gateway at http://127.0.0.1:${closed} (ECONNREFUSED)`);
  });
});
