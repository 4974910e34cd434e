import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminTokens } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { freePort, ROOT } from "../../stack/proc.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";
import { waitFor } from "../../stack/proc.js";
import { join as joinRoom, pollUntil, putRoomSale } from "../waiting-room/room-helpers.js";

const BIN = join(ROOT, "bin", "flashsale.mjs");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** `npx flashsale …` as an operator runs it: the bin script (or another file) in a process of its own. */
function flashsale(
  args: string[],
  env: Record<string, string> = {},
  script = BIN,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, out, err) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

describe("the operator CLI (npx flashsale)", () => {
  let g: { gw: GatewayProcess; api: Api };
  let url: string;
  let tmp: string;
  beforeAll(async () => {
    g = await startGateway(testConfig("standalone"));
    // The admin API is on the ops listener.
    url = `http://127.0.0.1:${g.gw.opsPort}`;
    tmp = mkdtempSync(join(tmpdir(), "flashsale-cli-"));
    // The first run compiles dist/src/cli/flashsale.js when it is missing or older than src/ (a few seconds).
    const first = await flashsale(["--version"]);
    expect(first.code, first.err).toBe(0);
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await g?.gw.close();
  });

  it("puts a sale with a waiting room (--room, --room-ttl, --room-opens, --room-rate)", async () => {
    const id = `clr${rid()}`;
    const args = [
      "--url",
      url,
      "--json",
      "put",
      id,
      "--sku",
      "s-1",
      "--stock",
      "5",
      "--limit",
      "1",
      "--starts-in",
      "1h",
    ];
    const put = await flashsale([...args, "--room-ttl", "30", "--room-opens", "5m", "--room-rate", "50"]);
    expect(put.code, put.err).toBe(0);
    expect(JSON.parse(put.out).waitingRoom).toMatchObject({
      opensSecondsBefore: 300,
      admissionTtlSeconds: 30,
      admitPerSecond: 50,
      maxOverbook: 3,
    });
    const plain = await flashsale([...args, "--room"]);
    expect(JSON.parse(plain.out).waitingRoom).toMatchObject({ opensSecondsBefore: 600, admissionTtlSeconds: 120 });
  });

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
    expect(badToken.err).toMatch(/401 UNAUTHENTICATED/);
    const usage = await flashsale(["--url", url, "put", "x", "--stock", "ten", "--sku", "s", "--limit", "1"]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--stock: expected a whole number/);
    expect((await flashsale(["--url", url, "frobnicate"])).err).toMatch(/unknown command "frobnicate"/);
    const closed = await freePort(); // nothing listens there
    const down = await flashsale(["sales"], { FLASHSALE_URL: `http://127.0.0.1:${closed}` });
    expect(down.code).toBe(3);
    expect(down.err).toContain(`cannot reach the gateway at http://127.0.0.1:${closed} (ECONNREFUSED)`);
  });

  it("runs compiled from dist/, never through tsx; says to build when it cannot", async () => {
    const bin = readFileSync(BIN, "utf8");
    expect(bin).toMatch(/"dist", "src", "cli", "flashsale\.js"/);
    expect(bin).not.toMatch(/tsx/);
    const direct = await flashsale(["--version"], {}, join(ROOT, "dist", "src", "cli", "flashsale.js"));
    expect([direct.code, direct.out]).toEqual([0, `${VERSION}\n`]);
    // A checkout with neither a build nor TypeScript (the bin alone in a folder of its own).
    mkdirSync(join(tmp, "bare", "bin"), { recursive: true });
    copyFileSync(BIN, join(tmp, "bare", "bin", "flashsale.mjs"));
    const bare = await flashsale(["sales"], {}, join(tmp, "bare", "bin", "flashsale.mjs"));
    expect(bare.code).toBe(5);
    expect(bare.err).toContain("the CLI is not built: run `npm run build` first");
  });

  it("--version, --help and each command's help with its options and the exit codes", async () => {
    for (const v of [["--version"], ["-V"]])
      expect(await flashsale(v)).toEqual({ code: 0, out: `${VERSION}\n`, err: "" });
    const help = await flashsale(["--help"]);
    expect(help.code).toBe(0);
    for (const cmd of ["sales", "sale", "put", "stats", "room", "pause", "resume", "reconcile", "refunds", "order"])
      expect(help.out).toMatch(new RegExp(`^  ${cmd} `, "m"));
    for (const text of [
      "--token-file",
      "FLASHSALE_ADMIN_TOKEN",
      "--timeout",
      "exit codes:",
      "3  the gateway could not",
    ])
      expect(help.out).toContain(text);
    const put = await flashsale(["help", "put"]);
    expect(put.code).toBe(0);
    expect(put.out).toMatch(/^usage: flashsale \[options\] put <saleId>/);
    for (const o of ["--sku", "--stock", "--limit", "--shards", "--payment-timeout", "--starts-in", "--ends-at"])
      expect(put.out).toContain(`  ${o} `);
    expect(await flashsale(["put", "--help"])).toEqual(put);
    const order = await flashsale(["order", "-h"]);
    expect(order.out).toMatch(/^usage: flashsale \[options\] order <orderId>/);
    expect(order.out).not.toContain("--sku");
    expect((await flashsale(["help", "nosuch"])).code).toBe(2);
    expect((await flashsale([])).code).toBe(2);
    const misplaced = await flashsale(["--url", url, "sales", "--sku", "x"]);
    expect([misplaced.code, misplaced.err]).toEqual([2, expect.stringContaining("sales takes no --sku")]);
  });

  it("takes the admin token from FLASHSALE_ADMIN_TOKEN or a file before the config; --token warns", async () => {
    const right = adminTokens(g.api.cfg.auth)[0]!;
    // The CLI's own config holds another token: only the variable or the file can make these succeed.
    const cfgWrong = { FLASHSALE__AUTH__ADMINTOKEN: `not-the-token-${rid(8)}` };
    expect((await flashsale(["--url", url, "sales"], cfgWrong)).code).toBe(1);
    const env = await flashsale(["--url", url, "sales"], { ...cfgWrong, FLASHSALE_ADMIN_TOKEN: right });
    expect([env.code, env.err]).toEqual([0, ""]);
    expect((await flashsale(["--url", url, "sales"], { FLASHSALE_ADMIN_TOKEN: `wrong-${rid(8)}` })).code).toBe(1);
    const file = join(tmp, "token");
    writeFileSync(file, `${right}\n`, { mode: 0o600 });
    const fromFile = await flashsale(["--url", url, "--token-file", file, "sales"], cfgWrong);
    expect([fromFile.code, fromFile.err]).toEqual([0, ""]);
    const fromEnvFile = await flashsale(["--url", url, "sales"], { ...cfgWrong, FLASHSALE_ADMIN_TOKEN_FILE: file });
    expect(fromEnvFile.code, fromEnvFile.err).toBe(0);
    writeFileSync(join(tmp, "wrong"), "wrong-token-0123456789\n");
    expect((await flashsale(["--url", url, "--token-file", join(tmp, "wrong"), "sales"])).code).toBe(1);
    const missing = await flashsale(["--url", url, "--token-file", join(tmp, "nosuch"), "sales"]);
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining("cannot read the token file")]);
    writeFileSync(join(tmp, "empty"), "\n");
    expect((await flashsale(["--url", url, "--token-file", join(tmp, "empty"), "sales"])).code).toBe(2);
    const both = await flashsale(["--url", url, "--token", right, "--token-file", file, "sales"]);
    expect([both.code, both.err]).toEqual([2, expect.stringContaining("not both")]);
    const argv = await flashsale(["--url", url, "--token", right, "sales"], cfgWrong);
    expect(argv.code).toBe(0);
    expect(argv.err).toMatch(/warning: --token shows the admin token to every user/);
  });

  it("exits 3 when the gateway does not answer within --timeout, 4 on a 5xx answer", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const slow = await flashsale(["--url", `http://127.0.0.1:${port}`, "--timeout", "500ms", "sales"]);
      expect(slow.code).toBe(3);
      expect(slow.err).toContain("did not answer within 500 ms");
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
    // A real 503: an order of a sale whose stock shard lost its Redis state may still exist, so the
    // gateway cannot say "not found" and answers UNAVAILABLE with Retry-After.
    const saleId = `cli${rid()}`;
    const put = await flashsale([
      "--url",
      url,
      "put",
      saleId,
      "--sku",
      "s-1",
      "--stock",
      "5",
      "--limit",
      "1",
      "--shards",
      "1",
    ]);
    expect(put.code, put.err).toBe(0);
    await g.gw.redis.del(g.gw.keys.shard(saleId, 0).stock);
    const lost = await flashsale(["--url", url, "order", `${saleId}.0.${"A".repeat(12)}`]);
    expect(lost.code, lost.err).toBe(4);
    expect(lost.err).toMatch(
      /^flashsale: 503 UNAVAILABLE: the order's state is not known yet .*\(retry after \d+s\)$/m,
    );
  });

  it("looks an accepted order up for support (any buyer's), and says when there is no such order", async () => {
    const saleId = `cli${rid()}`;
    const put = await flashsale([
      "--url",
      url,
      "put",
      saleId,
      "--sku",
      "s-2",
      "--stock",
      "5",
      "--limit",
      "2",
      "--payment-timeout",
      "600",
    ]);
    expect(put.code, put.err).toBe(0);
    const { orderId, user } = await g.api.buyOne(saleId, "cli", 2);
    const json = await flashsale(["--url", url, "--json", "order", orderId]);
    expect(json.code, json.err).toBe(0);
    const order = JSON.parse(json.out);
    expect(order).toMatchObject({
      orderId,
      saleId,
      skuId: "s-2",
      userId: user,
      quantity: 2,
      status: "RESERVED",
      payments: [],
      refunds: [],
    });
    expect(Date.parse(order.payBy) - Date.parse(order.createdAt)).toBe(600_000);
    const human = await flashsale(["--url", url, "order", orderId]);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(new RegExp(`^userId\\s+${user}$`, "m"));
    expect(human.out).toMatch(/^status\s+RESERVED$/m);
    const unknown = await flashsale(["--url", url, "order", `${saleId}.0.${"B".repeat(12)}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/404 ORDER_NOT_FOUND: no order with this id/);
    const malformed = await flashsale(["--url", url, "order", "nope"]);
    expect([malformed.code, malformed.err]).toEqual([1, expect.stringMatching(/400 INVALID_REQUEST/)]);
    const stranger = await flashsale(["--url", url, "order", orderId], { FLASHSALE_ADMIN_TOKEN: `wrong-${rid(8)}` });
    expect(stranger.code).toBe(1);
    expect(stranger.out).toBe("");
  });
  it("room: a room sale's numbers from the admin stats, as lines and as JSON; none for a sale without a room", async () => {
    const api = g.api;
    const room = async (id: string) => {
      const r = await flashsale(["--url", url, "--json", "room", id]);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out).waitingRoom;
    };
    // Before the start: three buyers in the pre-queue, nobody admitted.
    const early = `clr${rid()}`;
    await putRoomSale(api, early, { stock: 5, startInMs: 3_600_000, room: { opensSecondsBefore: 7200 } });
    for (const u of ["a", "b", "c"]) expect((await joinRoom(api, early, `${u}-${early}`)).status).toBe(201);
    expect(await room(early)).toMatchObject({
      state: "PRE_QUEUE",
      joined: 3,
      preQueue: 3,
      waiting: 3,
      admitted: 0,
    });

    // Started: 2 units, 5 buyers; places 1 and 2 are admitted, place 1 buys.
    const id = `clr${rid()}`;
    await putRoomSale(api, id, { stock: 2, startInMs: -500 });
    const buyers: { user: string; ticket: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const user = `w${i}-${id}`;
      buyers.push({ user, ticket: (await joinRoom(api, id, user)).body.ticket });
    }
    const first = await pollUntil(api, id, buyers[0]!.user, buyers[0]!.ticket, (b) => b.state === "ADMITTED");
    expect((await api.order(id, buyers[0]!.user, first.purchaseToken)).status).toBe(202);
    let seen: any;
    await waitFor("the room's stats to count the order", async () => (seen = await room(id)).bought === 1, 30_000, 100);
    expect(seen).toMatchObject({ state: "ADMITTING", joined: 5, preQueue: 0, admitted: 2, waiting: 3, noShows: 0 });
    const view = await api.call("GET", `/v1/sales/${id}`);
    expect(seen.seedCommitment).toBe(view.body.waitingRoom.seedCommitment);

    const lines = await flashsale(["--url", url, "room", id]);
    expect([lines.code, lines.err]).toEqual([0, ""]);
    for (const re of [
      new RegExp(`^sale +${id}$`),
      /^state +ADMITTING$/,
      /^waiting +3$/,
      /^admitted +2$/,
      /^bought +1$/,
      /^no-shows +0 \(at least, until every admission window has ended\)$/,
      /^admission rate +\d+\/s \(overbooking factor 1\)$/,
      /^pre-queue size +0$/,
      new RegExp(`^seed commitment +${seen.seedCommitment}$`),
    ])
      expect(
        lines.out.split("\n").some((l) => re.test(l)),
        `${re} in:\n${lines.out}`,
      ).toBe(true);

    // The same numbers on /metrics, labelled by sale (the process driving the room reports it).
    const metrics = String((await api.call("GET", "/metrics")).body);
    for (const [state, v] of [
      ["admitted", 2],
      ["bought", 1],
      ["waiting", 3],
    ] as const)
      expect(metrics).toMatch(new RegExp(`^flashsale_room_buyers\\{sale="${id}",state="${state}"\\} ${v}$`, "m"));

    // Paused: the CLI says so.
    expect((await flashsale(["--url", url, "pause", id])).code).toBe(0);
    await waitFor("PAUSED", async () => (await room(id)).state === "PAUSED", 30_000, 100);
    expect((await flashsale(["--url", url, "resume", id])).code).toBe(0);

    // A sale without a room, and no sale at all: exit 1, said on stderr, nothing on stdout.
    const plain = `clp${rid()}`;
    expect((await api.putSale(plain, { stock: 3, perUserLimit: 1 })).status).toBe(201);
    const none = await flashsale(["--url", url, "room", plain]);
    expect([none.code, none.out]).toEqual([1, ""]);
    expect(none.err).toContain(`sale ${plain} has no waiting room`);
    const missing = await flashsale(["--url", url, "room", `nosuch${rid()}`]);
    expect([missing.code, missing.err]).toEqual([1, expect.stringContaining("404 SALE_NOT_FOUND")]);
    const help = await flashsale(["help", "room"]);
    expect(help.out).toMatch(/^usage: flashsale \[options\] room <saleId>/);
  });
});
