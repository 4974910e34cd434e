import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PURCHASE_TOKEN_RE } from "../../src/admission/ids.js";
import { DERIVED_KEY_ID, PurchaseTokens } from "../../src/admission/purchase-token.js";
import { loadConfig } from "../../src/config/load.js";
import { purchaseTokenKeys } from "../../src/config/schema.js";
import { statedExpiry, useRecordUntil } from "../../src/reservation/token-format.js";
import { configProblems, productionEnv, strongSecret } from "../helpers/config-env.js";

const SECRET = "unit-test-secret-0123456789";
const NOW = 1_800_000_000_000;
const LATER = NOW + 600_000;

/** The token with one base64url character at `i` changed (to another character of the alphabet). */
function flip(token: string, i: number): string {
  const c = token[i] === "A" ? "B" : "A";
  return token.slice(0, i) + c + token.slice(i + 1);
}

describe("signed purchase tokens", () => {
  it("format: base64url of 50-59 characters, carrying the expiry and the key id, and a new nonce each time", () => {
    const t = new PurchaseTokens(SECRET);
    const a = t.mint("sale1", "alice", LATER);
    const b = t.mint("sale1", "alice", LATER);
    expect(a).toMatch(/^[A-Za-z0-9_-]{52}$/); // kid "jwt": 39 bytes
    expect(a).toMatch(PURCHASE_TOKEN_RE);
    expect(a).not.toBe(b);
    expect(t.keyId).toBe(DERIVED_KEY_ID);
    expect(Buffer.from(a, "base64url").toString("latin1", 2, 5)).toBe("jwt");
    expect(statedExpiry(a)).toBe(LATER);
    expect(t.verify(a, "sale1", "alice", NOW)).toEqual({ ok: true, expiresAt: LATER, id: a });
    const long = new PurchaseTokens([{ id: "k2026-12", secret: SECRET }]).mint("s", "u", LATER);
    expect(long).toMatch(/^[A-Za-z0-9_-]{59}$/);
    expect(long.length).toBeLessThanOrEqual(64); // the MySQL column (purchase_token VARCHAR(64))
  });

  it("a given nonce makes minting deterministic; any nonce length is accepted", () => {
    const t = new PurchaseTokens(SECRET);
    const n = Buffer.from("sale1|alice|place-17");
    expect(t.mint("sale1", "alice", LATER, n)).toBe(t.mint("sale1", "alice", LATER, n));
    expect(t.mint("sale1", "alice", LATER, n)).not.toBe(t.mint("sale1", "alice", LATER, Buffer.from("other")));
    const twelve = randomBytes(12);
    expect(t.verify(t.mint("sale1", "alice", LATER, twelve), "sale1", "alice", NOW).ok).toBe(true);
  });

  it("binds a buyer and a sale", () => {
    const t = new PurchaseTokens(SECRET);
    const tok = t.mint("sale1", "alice", LATER);
    expect(t.verify(tok, "sale2", "alice", NOW)).toEqual({ ok: false, reason: "bad_signature" });
    expect(t.verify(tok, "sale1", "bob", NOW)).toEqual({ ok: false, reason: "bad_signature" });
    // The separator keeps (sale, buyer) pairs apart that concatenate alike.
    expect(t.verify(t.mint("s", "1u", LATER), "s1", "u", NOW).ok).toBe(false);
    expect(new PurchaseTokens("other-secret-0123456789").verify(tok, "sale1", "alice", NOW).ok).toBe(false);
  });

  it("expires: refused from its expiry on, with the expiry still readable", () => {
    const t = new PurchaseTokens(SECRET);
    const tok = t.mint("sale1", "alice", LATER);
    expect(t.verify(tok, "sale1", "alice", LATER - 1).ok).toBe(true);
    expect(t.verify(tok, "sale1", "alice", LATER)).toEqual({ ok: false, reason: "expired" });
    expect(t.verify(tok, "sale1", "alice", -Infinity)).toEqual({ ok: true, expiresAt: LATER, id: tok });
    // graceMs (the order route's replay window): accepted until expiry + grace, refused from then on.
    expect(t.verify(tok, "sale1", "alice", LATER + 999, 1000)).toEqual({ ok: true, expiresAt: LATER, id: tok });
    expect(t.verify(tok, "sale1", "alice", LATER + 1000, 1000)).toEqual({ ok: false, reason: "expired" });
    // The grace never excuses a bad signature.
    expect(t.verify(tok, "sale1", "bob", LATER, 1000)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("the MAC is HMAC-SHA256 under the key derived from the secret, over the token's bytes, sale, NUL and buyer", () => {
    // Written out with node:crypto, so a faster MAC can never drift from the format other gateways check.
    const key = createHmac("sha256", SECRET).update("flashsale purchase token v1").digest();
    const t = new PurchaseTokens(SECRET);
    for (const [sale, buyer] of [
      ["sale1", "alice"],
      ["s", "ü-日本-😀"],
      ["sale-with-a-long-id-0123456789", "x".repeat(200)],
    ]) {
      const raw = Buffer.from(t.mint(sale!, buyer!, LATER), "base64url");
      const signed = raw.subarray(0, raw.length - 16);
      const mac = createHmac("sha256", key).update(signed).update(`${sale}\0${buyer}`).digest().subarray(0, 16);
      expect(raw.subarray(raw.length - 16).equals(mac), `${sale} ${buyer}`).toBe(true);
    }
    // A nonce of another length is hashed to 12 bytes: SHA-256's first 12.
    const n = Buffer.from("room|sale1|alice|17");
    const raw = Buffer.from(t.mint("sale1", "alice", LATER, n), "base64url");
    expect(raw.subarray(11, 23).equals(createHash("sha256").update(n).digest().subarray(0, 12))).toBe(true);
  });

  it("refuses every tampered byte (expiry, key id, nonce, MAC) and malformed input", () => {
    const t = new PurchaseTokens(SECRET);
    const tok = t.mint("sale1", "alice", LATER);
    for (let i = 0; i < tok.length - 1; i++)
      expect(t.verify(flip(tok, i), "sale1", "alice", NOW).ok, `char ${i}`).toBe(false);
    // A later expiry written in: the MAC no longer matches.
    const raw = Buffer.from(tok, "base64url");
    raw.writeUIntBE(LATER + 86_400_000, 5, 6);
    expect(t.verify(raw.toString("base64url"), "sale1", "alice", NOW)).toEqual({ ok: false, reason: "bad_signature" });
    for (const bad of ["", "x".repeat(32), "x".repeat(52), tok.slice(0, -1), `${tok}A`, tok.replace(/.$/, "=")])
      expect(t.verify(bad, "sale1", "alice", NOW).ok, bad).toBe(false);
    const v2 = Buffer.from(tok, "base64url");
    v2[0] = 2;
    expect(t.verify(v2.toString("base64url"), "sale1", "alice", NOW)).toEqual({ ok: false, reason: "malformed" });
  });

  it("rotation: mints with the first key, verifies with any listed, refuses a key no longer listed", () => {
    const old = new PurchaseTokens([{ id: "k1", secret: "first-key-0123456789abcdef" }]);
    const both = new PurchaseTokens([
      { id: "k2", secret: "second-key-0123456789abcdef" },
      { id: "k1", secret: "first-key-0123456789abcdef" },
    ]);
    const next = new PurchaseTokens([{ id: "k2", secret: "second-key-0123456789abcdef" }]);
    const fromOld = old.mint("sale1", "alice", LATER);
    const fromBoth = both.mint("sale1", "alice", LATER);
    expect(both.keyId).toBe("k2");
    expect(both.verify(fromOld, "sale1", "alice", NOW).ok).toBe(true);
    expect(next.verify(fromBoth, "sale1", "alice", NOW).ok).toBe(true);
    expect(old.verify(fromBoth, "sale1", "alice", NOW)).toEqual({ ok: false, reason: "unknown_key" });
    expect(next.verify(fromOld, "sale1", "alice", NOW)).toEqual({ ok: false, reason: "unknown_key" });
    // Same id, another secret (a key replaced in place): a bad signature, never a valid token.
    const swapped = new PurchaseTokens([{ id: "k1", secret: "replaced-key-0123456789abcdef" }]);
    expect(swapped.verify(fromOld, "sale1", "alice", NOW)).toEqual({ ok: false, reason: "bad_signature" });
    // Without a list, the key derived from the JWT secret, as before: its tokens verify across processes.
    expect(new PurchaseTokens(SECRET).verify(new PurchaseTokens(SECRET).mint("s", "u", LATER), "s", "u", NOW).ok).toBe(
      true,
    );
  });

  it("refuses an empty key list, a bad key id and an id listed twice", () => {
    expect(() => new PurchaseTokens([])).toThrow(/at least one key/);
    expect(() => new PurchaseTokens([{ id: "a.b", secret: SECRET }])).toThrow(/key id/);
    expect(() => new PurchaseTokens([{ id: "toolongid", secret: SECRET }])).toThrow(/key id/);
    expect(
      () =>
        new PurchaseTokens([
          { id: "k", secret: SECRET },
          { id: "k", secret: `${SECRET}x` },
        ]),
    ).toThrow(/listed twice/);
  });

  it("a bought token's record outlives the token: its expiry + the replay window", () => {
    const tok = new PurchaseTokens(SECRET).mint("s", "u", LATER);
    expect(useRecordUntil(tok, NOW, 86_400_000)).toBe(LATER + 86_400_000);
    // Already expired (a rebuild long after): the window counts from now. Another format: from now too.
    expect(useRecordUntil(tok, LATER + 5, 1000)).toBe(LATER + 1005);
    expect(useRecordUntil("x".repeat(32), NOW, 1000)).toBe(NOW + 1000);
    expect(statedExpiry("x".repeat(32))).toBeNull();
  });
});

describe("auth.purchaseTokenKeys", () => {
  const strong = strongSecret;
  const STRONG = productionEnv();

  it("absent: the key is derived from auth.userJwtSecret, as before", () => {
    const cfg = loadConfig({});
    expect(cfg.auth.purchaseTokenKeys).toBeNull();
    expect(purchaseTokenKeys(cfg.auth)).toBe(cfg.auth.userJwtSecret);
  });

  it("a list of {id, secret}, newest first, from a FLASHSALE__ variable holding JSON", () => {
    const keys = [
      { id: "k2", secret: strong() },
      { id: "k1", secret: strong() },
    ];
    const cfg = loadConfig({ ...STRONG, FLASHSALE__AUTH__PURCHASETOKENKEYS: JSON.stringify(keys) });
    expect(purchaseTokenKeys(cfg.auth)).toEqual(keys);
    expect(new PurchaseTokens(purchaseTokenKeys(cfg.auth)).keyId).toBe("k2");
  });
});

describe.each([
  ["purchaseTokenKeys", "FLASHSALE__AUTH__PURCHASETOKENKEYS"],
  ["queueTicketKeys", "FLASHSALE__AUTH__QUEUETICKETKEYS"],
])("auth.%s (signing keys)", (name, variable) => {
  const strong = strongSecret;
  const problems = configProblems;

  it("refuses an empty list, a bad id, an id twice, and (in production) a weak or placeholder secret by its index", () => {
    const env = (keys: unknown) => productionEnv({ [variable]: JSON.stringify(keys) });
    const at = (rest: string) => new RegExp(`auth\\.${name}${rest}`);
    expect(problems(env([])).join("\n")).toMatch(at(": expected at least one key"));
    expect(problems(env([{ id: "a b", secret: strong() }])).join("\n")).toMatch(at("\\.0\\.id"));
    expect(
      problems(
        env([
          { id: "k", secret: strong() },
          { id: "k", secret: strong() },
        ]),
      ).join("\n"),
    ).toMatch(/expected each key id once/);
    const weak = randomBytes(10).toString("hex");
    const got = problems(
      env([
        { id: "k3", secret: strong() },
        { id: "k2", secret: weak },
        { id: "k1", secret: "purchase-token-key-change-me-0123456789" },
      ]),
    );
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(at("\\[1\\]\\.secret: 20 bytes, at least 32"));
    expect(got[1]).toMatch(at("\\[2\\]\\.secret: looks like a placeholder"));
    for (const p of got) expect(p).not.toContain(weak);
  });
});
