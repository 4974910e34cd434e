import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AdminAuth, BuyerAuth, signBuyerJwt } from "../../src/admission/auth.js";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { ApiError } from "../../src/errors.js";

const SECRET = "unit-test-secret-0123456789";
const now = Date.now();
const exp = Math.floor(now / 1000) + 60;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

function code(fn: () => unknown): string {
  try {
    fn();
    return "OK";
  } catch (e) {
    return e instanceof ApiError ? e.code : String(e);
  }
}

describe("buyer JWT", () => {
  const auth = () => new BuyerAuth(SECRET, 30);

  it("accepts a valid HS256 token and returns sub", () => {
    expect(auth().userId(`Bearer ${signBuyerJwt(SECRET, { sub: "u-1", exp })}`, now)).toBe("u-1");
  });

  it.each([
    ["missing header", ""],
    ["not bearer", "Basic abc"],
    ["garbage", "Bearer abc.def"],
    ["alg none", `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "u", exp })}.`],
    ["alg HS512 header on an HS256 MAC", `Bearer ${(() => {
      const h = b64({ alg: "HS512" });
      const p = b64({ sub: "u", exp });
      return `${h}.${p}.${createHmac("sha256", SECRET).update(`${h}.${p}`).digest("base64url")}`;
    })()}`],
    ["wrong secret", `Bearer ${signBuyerJwt("another-secret-0123456789", { sub: "u", exp })}`],
    ["no exp", `Bearer ${signBuyerJwt(SECRET, { sub: "u" } as never)}`],
    ["expired beyond skew", `Bearer ${signBuyerJwt(SECRET, { sub: "u", exp: Math.floor(now / 1000) - 31 })}`],
    ["nbf in the future beyond skew", `Bearer ${signBuyerJwt(SECRET, { sub: "u", exp, nbf: Math.floor(now / 1000) + 120 })}`],
    ["sub with a brace", `Bearer ${signBuyerJwt(SECRET, { sub: "u{1}", exp })}`],
    ["oversized", `Bearer ${"a".repeat(5000)}`],
  ])("refuses %s with UNAUTHENTICATED", (_name, header) => {
    expect(code(() => auth().userId(header, now))).toBe("UNAUTHENTICATED");
  });

  it("allows a little clock skew on exp and nbf", () => {
    expect(auth().userId(`Bearer ${signBuyerJwt(SECRET, { sub: "u", exp: Math.floor(now / 1000) - 10 })}`, now)).toBe("u");
    expect(auth().userId(`Bearer ${signBuyerJwt(SECRET, { sub: "u", exp, nbf: Math.floor(now / 1000) + 10 })}`, now)).toBe("u");
  });

  it("a cached token still expires", () => {
    const a = auth();
    const t = `Bearer ${signBuyerJwt(SECRET, { sub: "u", exp })}`;
    expect(a.userId(t, now)).toBe("u");
    expect(code(() => a.userId(t, now + 120_000))).toBe("UNAUTHENTICATED");
  });
});

describe("admin token", () => {
  it("accepts the token and refuses anything else with FORBIDDEN", () => {
    const a = new AdminAuth("admin-token-0123456789");
    expect(code(() => a.check("Bearer admin-token-0123456789"))).toBe("OK");
    expect(code(() => a.check("Bearer admin-token-012345678"))).toBe("FORBIDDEN");
    expect(code(() => a.check(""))).toBe("UNAUTHENTICATED");
  });
});

describe("purchase tokens", () => {
  it("bind a buyer and a sale", () => {
    const t = new PurchaseTokens(SECRET);
    const tok = t.mint("sale1", "alice");
    expect(tok).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(t.verify(tok, "sale1", "alice")).toBe(true);
    expect(t.verify(tok, "sale2", "alice")).toBe(false);
    expect(t.verify(tok, "sale1", "bob")).toBe(false);
    expect(new PurchaseTokens("other-secret-0123456789").verify(tok, "sale1", "alice")).toBe(false);
  });
});
