import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { createLogger, REDACTED } from "../../src/observability/log.js";
import { parseTraceparent, traceContext, traceIdOf } from "../../src/observability/trace-context.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;
const W3C_FORMAT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe("W3C traceparent", () => {
  it("parses a valid version-00 header", () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, parentId: PARENT, flags: "01" });
    expect(traceIdOf(VALID)).toBe(TRACE);
  });

  it.each([
    ["empty", ""],
    ["all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["another version", `01-${TRACE}-${PARENT}-01`],
    ["short trace id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["long parent id", `00-${TRACE}-${PARENT}0-01`],
    ["one-digit flags", `00-${TRACE}-${PARENT}-1`],
    ["not hex", `00-${TRACE.replace("4", "g")}-${PARENT}-01`],
    ["trailing junk", `${VALID}-x`],
    ["spaces", ` ${VALID}`],
  ])("refuses %s", (_, header) => {
    expect(parseTraceparent(header)).toBeNull();
    expect(traceIdOf(header)).toBe("");
  });

  it("joins a caller's trace with a span id of its own, keeping the flags", () => {
    const a = traceContext(VALID);
    const b = traceContext(VALID);
    expect(a.traceId).toBe(TRACE);
    expect(a.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(parseTraceparent(a.traceparent)!.parentId).not.toBe(PARENT);
    expect(a.traceparent).not.toBe(b.traceparent);
  });

  it("starts a new trace for a missing or invalid header, never failing", () => {
    const seen = new Set<string>();
    for (const header of ["", "garbage", `00-${"0".repeat(32)}-${PARENT}-01`]) {
      for (let i = 0; i < 300; i++) {
        const t = traceContext(header);
        expect(t.traceparent).toMatch(W3C_FORMAT);
        expect(parseTraceparent(t.traceparent)?.traceId).toBe(t.traceId);
        expect(t.traceparent.endsWith("-00")).toBe(true);
        seen.add(t.traceId);
      }
    }
    expect(seen.size).toBe(900);
  });
});

describe("log redaction", () => {
  const secrets = {
    bearer: "Bearer eyJhbGciOiJIUzI1NiJ9.bearer-value-x1.sig",
    cookie: "session=cookie-value-x2",
    signature: "sha256=signature-value-x3",
    adminToken: "admin-token-value-x4-0123456789abcdef",
    jwt: "jwt-secret-value-x5-0123456789abcdef",
    webhook: "webhook-secret-value-x6-0123456789ab",
    password: "mysql-password-value-x7",
    token: "purchase-token-value-x8",
    tokenKey: "purchase-token-key-value-x9-0123456789",
  };

  function logged(obj: object): string {
    const lines: string[] = [];
    createLogger({ service: "gateway", level: "info", destination: { write: (s) => lines.push(s) } }).info(obj, "m");
    expect(lines).toHaveLength(1);
    return lines[0]!;
  }

  it("never writes a request's credentials, as headers or fields, at any level a request is logged", () => {
    const headers = {
      authorization: secrets.bearer,
      cookie: secrets.cookie,
      "x-signature": secrets.signature,
      "content-type": "application/json",
    };
    const line = logged({
      headers,
      req: { method: "POST", headers, authorization: secrets.bearer, signature: secrets.signature },
      authorization: secrets.bearer,
      token: secrets.token,
    });
    for (const v of [secrets.bearer, secrets.cookie, secrets.signature, secrets.token]) expect(line).not.toContain(v);
    const parsed = JSON.parse(line) as { headers: Record<string, string>; req: { headers: Record<string, string> } };
    expect(parsed.headers).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      "x-signature": REDACTED,
      "content-type": "application/json",
    });
    expect(parsed.req.headers.authorization).toBe(REDACTED);
  });

  it("never writes the config's secrets, when a config or part of one is logged", () => {
    const base = loadConfig({});
    const cfg = {
      ...base,
      auth: {
        ...base.auth,
        adminToken: [secrets.adminToken],
        userJwtSecret: secrets.jwt,
        purchaseTokenKeys: [{ id: "k1", secret: secrets.tokenKey }],
      },
      payments: { ...base.payments, webhookSecret: secrets.webhook },
      mysql: { ...base.mysql, shards: base.mysql.shards.map((s) => ({ ...s, password: secrets.password })) },
    };
    for (const obj of [{ config: cfg }, { auth: cfg.auth }, { mysql: cfg.mysql }, { payments: cfg.payments }, cfg]) {
      const line = logged(obj);
      for (const v of [secrets.adminToken, secrets.jwt, secrets.webhook, secrets.password, secrets.tokenKey])
        expect(line).not.toContain(v);
    }
    // The rest of the config is still there.
    expect(JSON.parse(logged({ config: cfg })).config.server.port).toBe(base.server.port);
  });
});
