import { createHmac } from "node:crypto";
import { CompactSign } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AdminAuth, BuyerAuth, HS256_ONLY, signBuyerJwt, type BuyerJwtOptions } from "../../src/admission/auth.js";
import { loadConfig } from "../../src/config/load.js";
import { ApiError } from "../../src/errors.js";
import { idpJwt, idpKey, JwksServer, type IdpKey } from "../helpers/jwks-server.js";

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
    [
      "alg HS512 header on an HS256 MAC",
      `Bearer ${(() => {
        const h = b64({ alg: "HS512" });
        const p = b64({ sub: "u", exp });
        return `${h}.${p}.${createHmac("sha256", SECRET).update(`${h}.${p}`).digest("base64url")}`;
      })()}`,
    ],
    ["wrong secret", `Bearer ${signBuyerJwt("another-secret-0123456789", { sub: "u", exp })}`],
    ["no exp", `Bearer ${signBuyerJwt(SECRET, { sub: "u" } as never)}`],
    ["expired beyond skew", `Bearer ${signBuyerJwt(SECRET, { sub: "u", exp: Math.floor(now / 1000) - 31 })}`],
    [
      "nbf in the future beyond skew",
      `Bearer ${signBuyerJwt(SECRET, { sub: "u", exp, nbf: Math.floor(now / 1000) + 120 })}`,
    ],
    ["sub with a brace", `Bearer ${signBuyerJwt(SECRET, { sub: "u{1}", exp })}`],
    ["oversized", `Bearer ${"a".repeat(5000)}`],
  ])("refuses %s with UNAUTHENTICATED", (_name, header) => {
    expect(code(() => auth().userId(header, now))).toBe("UNAUTHENTICATED");
  });

  it("checks HS256 exactly as createHmac signs: secrets of any length (hashed past 64 bytes), claims across block sizes", () => {
    for (const secret of ["s".repeat(16), "k".repeat(64), "long-".repeat(30), "sécret-ü-0123456789"]) {
      const a = new BuyerAuth(secret, 30);
      for (let pad = 0; pad < 140; pad += 7) {
        const h = b64({ alg: "HS256", typ: "JWT" });
        const p = b64({ sub: `u-${pad}`, exp, x: "y".repeat(pad) });
        const sig = createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url");
        expect(a.userId(`Bearer ${h}.${p}.${sig}`, now)).toBe(`u-${pad}`);
        // One character of the signature changed: refused.
        const bad = `${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`;
        expect(code(() => a.userId(`Bearer ${h}.${p}.${bad}`, now))).toBe("UNAUTHENTICATED");
      }
    }
  });

  it("a header seen before is judged the same again: accepted with other claims, refused every time when bad", () => {
    const a = auth();
    for (let i = 0; i < 3; i++) {
      expect(a.userId(`Bearer ${signBuyerJwt(SECRET, { sub: `u-${i}`, exp })}`, now)).toBe(`u-${i}`);
      // A duplicate alg (strict parsing), typ of another kind, crit: refused on each sight, not only the first.
      const dup = Buffer.from('{"alg":"HS256","alg":"none"}').toString("base64url");
      const p = b64({ sub: "u", exp });
      const mac = (h: string) => createHmac("sha256", SECRET).update(`${h}.${p}`).digest("base64url");
      for (const h of [dup, b64({ alg: "HS256", typ: "JWE" }), b64({ alg: "HS256", crit: ["x"] })])
        expect(code(() => a.userId(`Bearer ${h}.${p}.${mac(h)}`, now))).toBe("UNAUTHENTICATED");
    }
  });

  it("allows a little clock skew on exp and nbf", () => {
    expect(auth().userId(`Bearer ${signBuyerJwt(SECRET, { sub: "u", exp: Math.floor(now / 1000) - 10 })}`, now)).toBe(
      "u",
    );
    expect(
      auth().userId(`Bearer ${signBuyerJwt(SECRET, { sub: "u", exp, nbf: Math.floor(now / 1000) + 10 })}`, now),
    ).toBe("u");
  });

  it("a cached token still expires", () => {
    const a = auth();
    const t = `Bearer ${signBuyerJwt(SECRET, { sub: "u", exp })}`;
    expect(a.userId(t, now)).toBe("u");
    expect(code(() => a.userId(t, now + 120_000))).toBe("UNAUTHENTICATED");
  });
});

/** The error code of a sync or async verification ("OK" when it passed). */
async function codeOf(fn: () => string | Promise<string>): Promise<string> {
  try {
    await fn();
    return "OK";
  } catch (e) {
    return e instanceof ApiError ? e.code : String(e);
  }
}

describe("buyer JWT: RS256 and ES256 with keys from a JWKS URL", () => {
  const ISS = "https://idp.example.com/";
  const AUD = "flash-sale-gateway";
  const claims = (over: Record<string, unknown> = {}) => ({
    sub: "buyer-1",
    iss: ISS,
    aud: AUD,
    exp: Math.floor(Date.now() / 1000) + 60,
    ...over,
  });
  let jwks: JwksServer;
  let rsa: IdpKey;
  let ec: IdpKey;
  /** In the IdP's key set only after a rotation. */
  let rotated: IdpKey;
  /** Never published. */
  let stranger: IdpKey;

  beforeAll(async () => {
    [rsa, ec, rotated, stranger] = await Promise.all([
      idpKey("RS256", "rsa-1"),
      idpKey("ES256", "ec-1"),
      idpKey("RS256", "rsa-2"),
      idpKey("RS256", "rsa-1"),
    ]);
    jwks = await JwksServer.start();
  });
  afterAll(() => jwks?.close());

  /** The verifiers' clock (ms): a test moves it past a cache or cooldown window instead of sleeping through it. */
  let clockMs = 0;
  const advance = (ms: number) => {
    clockMs += ms;
  };

  /** A verifier against the test's JWKS server (now serving `keys`), its hit counter reset, its clock at now. */
  const remote = (keys: IdpKey[], over: Partial<BuyerJwtOptions> = {}) => {
    jwks.keys = keys.map((k) => k.jwk);
    jwks.status = 200;
    jwks.hits = 0;
    clockMs = Date.now();
    const opts: BuyerJwtOptions = {
      ...HS256_ONLY,
      algorithms: ["RS256", "ES256"],
      jwksUrl: jwks.url,
      issuer: ISS,
      audience: AUD,
      jwksCooldownSeconds: 60,
      ...over,
    };
    return new BuyerAuth(SECRET, 30, opts, () => clockMs);
  };
  const bearerOf = async (p: Promise<string>) => `Bearer ${await p}`;

  it("accepts RS256 and ES256 tokens, one JWKS fetch serving both, and a repeat is a synchronous cache hit", async () => {
    const a = remote([rsa, ec]);
    const rs = await bearerOf(idpJwt(rsa, claims({ sub: "rs-buyer" })));
    const es = await bearerOf(idpJwt(ec, claims({ sub: "es-buyer" })));
    const first = a.userId(rs);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe("rs-buyer");
    expect(await a.userId(es)).toBe("es-buyer");
    expect(jwks.hits).toBe(1);
    // The hot path: a verified token answers with a plain string, no promise, no fetch.
    expect(a.userId(rs)).toBe("rs-buyer");
    expect(a.userId(es)).toBe("es-buyer");
    expect(jwks.hits).toBe(1);
    // An `aud` array holding the audience is fine.
    expect(await a.userId(await bearerOf(idpJwt(ec, claims({ aud: ["other", AUD] }))))).toBe("buyer-1");
  });

  it.each([
    ["wrong aud", { aud: "another-api" }],
    ["aud missing", { aud: undefined }],
    ["wrong iss", { iss: "https://evil.example.com/" }],
    ["iss missing", { iss: undefined }],
    ["expired beyond skew", { exp: Math.floor(Date.now() / 1000) - 31 }],
    ["nbf beyond skew", { nbf: Math.floor(Date.now() / 1000) + 120 }],
    ["iat in the future", { iat: Math.floor(Date.now() / 1000) + 120 }],
    ["no exp", { exp: undefined }],
    ["sub not a user id", { sub: "a{b}" }],
  ])("refuses a validly signed token with %s: UNAUTHENTICATED", async (_name, over) => {
    const a = remote([rsa, ec]);
    for (const key of [rsa, ec])
      expect(await codeOf(async () => a.userId(await bearerOf(idpJwt(key, claims(over)))))).toBe("UNAUTHENTICATED");
  });

  it("allows the clock skew on exp, and a cached token still expires at its exp", async () => {
    const a = remote([rsa]);
    const t = await bearerOf(idpJwt(rsa, claims({ exp: Math.floor(Date.now() / 1000) - 10 })));
    expect(await a.userId(t)).toBe("buyer-1");
    expect(a.userId(t)).toBe("buyer-1");
    expect(await codeOf(() => a.userId(t, Date.now() + 25_000))).toBe("UNAUTHENTICATED");
  });

  it("pins the algorithms: alg none, HS256 (even with the right secret) and a forged signature are refused without a fetch", async () => {
    const a = remote([rsa, ec]);
    const noneToken = `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`;
    const hs = `Bearer ${signBuyerJwt(SECRET, claims() as never)}`;
    // HS256 keyed with the RSA public key's bytes: the classic key-confusion forgery.
    const h = b64({ alg: "HS256", kid: "rsa-1" });
    const p = b64(claims());
    const confused = `Bearer ${h}.${p}.${createHmac("sha256", JSON.stringify(rsa.jwk)).update(`${h}.${p}`).digest("base64url")}`;
    for (const t of [noneToken, hs, confused]) expect(await codeOf(() => a.userId(t))).toBe("UNAUTHENTICATED");
    expect(jwks.hits).toBe(0);
    // Signed by a key the IdP never published, under a published kid; and an RS256 signature labelled ES256.
    expect(await codeOf(async () => a.userId(await bearerOf(idpJwt(stranger, claims()))))).toBe("UNAUTHENTICATED");
    const rs = (await idpJwt(rsa, claims())).split(".");
    expect(await codeOf(() => a.userId(`Bearer ${b64({ alg: "ES256", kid: "ec-1" })}.${rs[1]}.${rs[2]}`))).toBe(
      "UNAUTHENTICATED",
    );
    // ES256 only: an RS256 token is refused even though its key is in the set.
    const esOnly = remote([rsa, ec], { algorithms: ["ES256"] });
    expect(await codeOf(async () => esOnly.userId(await bearerOf(idpJwt(rsa, claims()))))).toBe("UNAUTHENTICATED");
    expect(await esOnly.userId(await bearerOf(idpJwt(ec, claims())))).toBe("buyer-1");
  });

  it("refuses malformed RS256 tokens with 401, never a 500", async () => {
    const a = remote([rsa]);
    const [h, p, sig] = (await idpJwt(rsa, claims())).split(".") as [string, string, string];
    for (const t of [
      `${h}.${p}.${sig.slice(0, 40)}`,
      `${h}.${p}.!!${sig.slice(2)}`,
      `${h}.${p}.`,
      `${b64({ alg: "RS256", kid: 7 })}.${p}.${sig}`,
      `${h}.${b64("[1]")}.${sig}`,
    ]) {
      expect(await codeOf(() => a.userId(`Bearer ${t}`))).toBe("UNAUTHENTICATED");
    }
  });

  it("a token without kid is verified only when the set holds exactly one key for its algorithm", async () => {
    const one = remote([rsa, ec]);
    expect(await one.userId(await bearerOf(idpJwt(rsa, claims(), null)))).toBe("buyer-1");
    const two = remote([rsa, rotated]);
    expect(await codeOf(async () => two.userId(await bearerOf(idpJwt(rsa, claims(), null))))).toBe("UNAUTHENTICATED");
    expect(await two.userId(await bearerOf(idpJwt(rotated, claims())))).toBe("buyer-1");
  });

  it("parses RS256 claims strictly: a second sub is refused even with a good signature", async () => {
    const a = remote([rsa]);
    const exp = Math.floor(Date.now() / 1000) + 60;
    const text = `{"sub":"alice","iss":${JSON.stringify(ISS)},"aud":"${AUD}","exp":${exp},"sub":"bob"}`;
    const jws = await new CompactSign(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: "RS256", kid: "rsa-1" })
      .sign(rsa.privateKey);
    expect(await codeOf(() => a.userId(`Bearer ${jws}`))).toBe("UNAUTHENTICATED");
  });

  it("an unknown kid refetches the JWKS once (key rotation), and a flood of unknown kids does not hammer it", async () => {
    const a = remote([rsa], { jwksCooldownSeconds: 1.5 });
    // The verifier's clock stands still between the advance() calls, however slow the machine: each window
    // below is exactly as long as the test says.
    const rotatedToken = await bearerOf(idpJwt(rotated, claims({ sub: "after-rotation" })));
    const madeUp = await Promise.all(
      Array.from({ length: 100 }, (_, i) => bearerOf(idpJwt(rsa, claims(), `made-up-${i}`))),
    );
    const madeUpAgain = await Promise.all(
      Array.from({ length: 50 }, (_, i) => bearerOf(idpJwt(rsa, claims(), `again-${i}`))),
    );
    expect(await a.userId(await bearerOf(idpJwt(rsa, claims())))).toBe("buyer-1");
    expect(jwks.hits).toBe(1);
    advance(1600);
    // The IdP rotates: its new key signs a token the gateway has no key for yet.
    jwks.keys = [rsa.jwk, rotated.jwk];
    expect(await a.userId(rotatedToken)).toBe("after-rotation");
    expect(jwks.hits).toBe(2);
    // Within the cooldown: 100 made-up kids, all refused, not one more fetch.
    const flood = await Promise.all(madeUp.map((t) => codeOf(() => a.userId(t))));
    expect(new Set(flood)).toEqual(new Set(["UNAUTHENTICATED"]));
    expect(jwks.hits).toBe(2);
    // After it: 50 at once share a single fetch.
    advance(1600);
    const again = await Promise.all(madeUpAgain.map((t) => codeOf(() => a.userId(t))));
    expect(new Set(again)).toEqual(new Set(["UNAUTHENTICATED"]));
    expect(jwks.hits).toBe(3);
  });

  it("JWKS down: 503 UNAVAILABLE with Retry-After (nothing to verify against), retried at most once per cooldown; held keys keep serving", async () => {
    const a = remote([rsa], { jwksCooldownSeconds: 1.5, jwksCacheSeconds: 1 });
    jwks.status = 500;
    const t1 = await bearerOf(idpJwt(rsa, claims({ sub: "one" })));
    let err: unknown;
    try {
      await a.userId(t1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("UNAVAILABLE");
    expect((err as ApiError).headers["retry-after"]).toBe("1");
    for (let i = 0; i < 20; i++) expect(await codeOf(() => a.userId(t1))).toBe("UNAVAILABLE");
    expect(jwks.hits).toBe(1);
    // Back up: after the cooldown the keys are fetched and the same token passes.
    advance(1600);
    jwks.status = 200;
    expect(await a.userId(t1)).toBe("one");
    expect(jwks.hits).toBe(2);
    // Down again once the set is stale: the held keys verify a new token at once while the refresh runs
    // behind it (and fails).
    const [two, three] = [
      await bearerOf(idpJwt(rsa, claims({ sub: "two" }))),
      await bearerOf(idpJwt(rsa, claims({ sub: "three" }))),
    ];
    jwks.status = 503;
    advance(1600);
    expect(await a.userId(two)).toBe("two");
    await vi.waitFor(() => expect(jwks.hits).toBe(3));
    expect(await a.userId(three)).toBe("three");
    expect(jwks.hits).toBe(3);
  });

  it("a stale key set is refreshed behind a request: the held keys answer at once, a rotated kid waits for the refresh", async () => {
    const a = remote([rsa], { jwksCacheSeconds: 1, jwksCooldownSeconds: 0.5 });
    expect(await a.userId(await bearerOf(idpJwt(rsa, claims({ sub: "one" }))))).toBe("one");
    advance(1250);
    jwks.keys = [rotated.jwk];
    // Stale: this token is verified with the held key while the set is refetched (now without rsa-1).
    const concurrent = [
      a.userId(await bearerOf(idpJwt(rsa, claims({ sub: "two" })))),
      a.userId(await bearerOf(idpJwt(rotated, claims({ sub: "three" })))),
    ];
    expect(await Promise.all(concurrent)).toEqual(["two", "three"]);
    expect(jwks.hits).toBe(2);
    // The refreshed set no longer holds rsa-1.
    expect(await codeOf(async () => a.userId(await bearerOf(idpJwt(rsa, claims({ sub: "four" })))))).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("JWKS unreachable (connection refused): UNAVAILABLE, no crash", async () => {
    const gone = await JwksServer.start([rsa]);
    const url = gone.url;
    await gone.close();
    const a = new BuyerAuth(SECRET, 30, {
      ...HS256_ONLY,
      algorithms: ["RS256"],
      jwksUrl: url,
      jwksCooldownSeconds: 60,
    });
    const t = await bearerOf(idpJwt(rsa, { sub: "u", exp: Math.floor(Date.now() / 1000) + 60 }));
    expect(await codeOf(() => a.userId(t))).toBe("UNAVAILABLE");
  });

  it("HS256 and RS256 side by side: each verified with its own key, iss/aud checked for both", async () => {
    const a = remote([rsa], { algorithms: ["HS256", "RS256"] });
    expect(a.userId(`Bearer ${signBuyerJwt(SECRET, claims({ sub: "hs" }) as never)}`)).toBe("hs");
    expect(await a.userId(await bearerOf(idpJwt(rsa, claims({ sub: "rs" }))))).toBe("rs");
    expect(await codeOf(() => a.userId(`Bearer ${signBuyerJwt(SECRET, claims({ aud: "x" }) as never)}`))).toBe(
      "UNAUTHENTICATED",
    );
    expect(await codeOf(() => a.userId(`Bearer ${signBuyerJwt(SECRET, claims({ iss: "x" }) as never)}`))).toBe(
      "UNAUTHENTICATED",
    );
  });
});

describe("auth.jwt settings", () => {
  const load = (env: Record<string, string>) => {
    try {
      return loadConfig(env).auth.jwt;
    } catch (e) {
      return (e as Error).message;
    }
  };

  it("defaults to HS256 only; RS256/ES256 need a jwksUrl, and a jwksUrl needs them (the key is named)", () => {
    expect(load({})).toMatchObject({ algorithms: ["HS256"], jwksUrl: null, issuer: null, audience: null });
    expect(load({ FLASHSALE__AUTH__JWT__ALGORITHMS: '["RS256","ES256"]' })).toMatch(
      /^invalid config: auth\.jwt\.jwksUrl: required when/,
    );
    expect(load({ FLASHSALE__AUTH__JWT__JWKSURL: "https://idp.example.com/jwks" })).toMatch(
      /^invalid config: auth\.jwt\.jwksUrl: set, but/,
    );
    expect(load({ FLASHSALE__AUTH__JWT__ALGORITHMS: '["PS256"]' })).toMatch(
      /^invalid config: auth\.jwt\.algorithms\.0:/,
    );
    expect(
      load({
        FLASHSALE__AUTH__JWT__ALGORITHMS: '["RS256"]',
        FLASHSALE__AUTH__JWT__JWKSURL: "https://idp.example.com/jwks",
        FLASHSALE__AUTH__JWT__AUDIENCE: "gw",
      }),
    ).toMatchObject({ algorithms: ["RS256"], jwksUrl: "https://idp.example.com/jwks", audience: "gw" });
  });
});

describe("admin token", () => {
  it("accepts the token; another token is UNAUTHENTICATED, a buyer's JWT FORBIDDEN", () => {
    const a = new AdminAuth("admin-token-0123456789");
    expect(code(() => a.check("Bearer admin-token-0123456789"))).toBe("OK");
    expect(code(() => a.check("Bearer admin-token-012345678"))).toBe("UNAUTHENTICATED");
    expect(code(() => a.check(""))).toBe("UNAUTHENTICATED");
    expect(code(() => a.check(`Bearer ${signBuyerJwt(SECRET, { sub: "eve", exp: 2e9 })}`))).toBe("FORBIDDEN");
  });

  it("accepts every listed token (rotation), and none once it is removed", () => {
    const [old, next] = ["admin-token-old-0123456789", "admin-token-new-0123456789"];
    const both = new AdminAuth([old, next]);
    expect(code(() => both.check(`Bearer ${old}`))).toBe("OK");
    expect(code(() => both.check(`Bearer ${next}`))).toBe("OK");
    expect(code(() => both.check("Bearer admin-token-xyz-0123456789"))).toBe("UNAUTHENTICATED");
    const rotated = new AdminAuth([next]);
    expect(code(() => rotated.check(`Bearer ${next}`))).toBe("OK");
    expect(code(() => rotated.check(`Bearer ${old}`))).toBe("UNAUTHENTICATED");
    expect(() => new AdminAuth([])).toThrow(/at least one/);
  });
});
