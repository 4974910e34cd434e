import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { BoundedMemo } from "../util/bounded-memo.js";
import { HashInput, HmacSha256 } from "./hmac-sha256.js";
import { errors as joseErrors, jwtVerify } from "jose";
import { ApiError, BEARER_CHALLENGE, INVALID_TOKEN_CHALLENGE } from "../errors.js";
import { USER_ID_RE } from "./ids.js";
import { JwksKeys, type JwksAlgorithm } from "./jwks.js";
import { parseStrictJson } from "./strict-json.js";

/** Longest Authorization header we parse; anything longer is refused before any crypto. */
const MAX_CREDENTIAL_BYTES = 2048;

/** base64url character → its 6 bits (anything else → 0), for the verified-token cache's key. */
const B64URL = new Uint8Array(128);
for (let i = 0; i < 64; i++)
  B64URL["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charCodeAt(i)] = i;

/**
 * The verified-token cache's key: the header's last 5 characters (within an HS256 signature, random) as a
 * 30-bit number. A number, not a string: hashing a fresh string for a Map costs ~0.4 µs per request, the
 * key and its lookup ~0.05 µs. Two headers with one key only evict each other: a hit counts only for the
 * very same header.
 */
function cacheKey(authorization: string): number {
  const n = authorization.length;
  let k = 0;
  for (let i = n - 5; i < n; i++) k = (k << 6) | B64URL[authorization.charCodeAt(i) & 127]!;
  return k;
}
const HS256_HEADER_RE = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A 401 whose challenge says a bearer token came and was refused, unless told otherwise (errors.ts). */
function unauthenticated(message: string, challenge = INVALID_TOKEN_CHALLENGE): ApiError {
  return new ApiError("UNAUTHENTICATED", message, challenge);
}

/** The bearer token of an Authorization header; without one (none, or another scheme) the challenge has no error. */
export function bearer(authorization: string): string {
  if (!authorization) throw unauthenticated("missing Authorization header", BEARER_CHALLENGE);
  if (authorization.length > MAX_CREDENTIAL_BYTES) throw unauthenticated("credentials too large");
  const m = /^Bearer ([^\s]+)$/.exec(authorization);
  if (!m)
    throw unauthenticated(
      "expected Authorization: Bearer <token>",
      /^Bearer\b/i.test(authorization) ? INVALID_TOKEN_CHALLENGE : BEARER_CHALLENGE,
    );
  return m[1]!;
}

/** A JWT part: base64url of a JSON object, parsed strictly (a duplicate `alg` or `sub` is a forgery attempt). */
function decodeJson(part: string): Record<string, unknown> | null {
  if (!HS256_HEADER_RE.test(part)) return null;
  try {
    const v = parseStrictJson(utf8.decode(Buffer.from(part, "base64url"))) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Parsed JWT headers by their text: one issuer's tokens share a header or a few (one per `kid`). */
const headers = new BoundedMemo(64, decodeJson);

/** decodeJson of a header, remembered (up to 512 characters): the same text in almost every token of a flood. */
function decodeHeader(part: string): Record<string, unknown> | null {
  return part.length <= 512 ? headers.get(part) : decodeJson(part);
}

interface Verified {
  authorization: string;
  userId: string;
  expMs: number;
}

/**
 * Verified tokens, at most `max`, in two generations of plain Maps: a hit in the older one moves to the
 * newer, and when the newer is full the older is dropped. An approximate LRU whose hit is one or two Map
 * lookups, without lru-cache's recency and staleness bookkeeping on every hit of the sold-out flood.
 */
class VerifiedCache {
  private young = new Map<number, Verified>();
  private old = new Map<number, Verified>();

  constructor(private readonly max: number) {}

  get(key: number): Verified | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  set(key: number, v: Verified): void {
    if (this.young.size >= this.max / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }

  delete(key: number): void {
    this.young.delete(key);
    this.old.delete(key);
  }
}

/** The signature algorithms a buyer JWT may use (auth.jwt.algorithms). */
export type BuyerJwtAlgorithm = "HS256" | JwksAlgorithm;

/** auth.jwt: which algorithms, where their keys come from, and the claims every token must carry. */
export interface BuyerJwtOptions {
  algorithms: readonly BuyerJwtAlgorithm[];
  /** The IdP's JWKS (RS256/ES256 public keys); required when algorithms has RS256 or ES256. */
  jwksUrl: string | null;
  /** `iss` must equal it when set. */
  issuer: string | null;
  /** `aud` (a string, or an array) must hold it (or one of them) when set. */
  audience: string | readonly string[] | null;
  jwksCacheSeconds: number;
  jwksCooldownSeconds: number;
  jwksTimeoutMs: number;
}

/** Today's behaviour: HS256 with auth.userJwtSecret, no `iss`/`aud` checks. */
export const HS256_ONLY: BuyerJwtOptions = {
  algorithms: ["HS256"],
  jwksUrl: null,
  issuer: null,
  audience: null,
  jwksCacheSeconds: 600,
  jwksCooldownSeconds: 30,
  jwksTimeoutMs: 2000,
};

/** `typ` values a buyer token may carry: plain JWTs and RFC 9068 access tokens. */
function typOk(typ: unknown): boolean {
  return typ === undefined || typ === "JWT" || typ === "at+jwt" || typ === "application/at+jwt";
}

/**
 * Verifies buyer JWTs. The algorithm is pinned to `auth.jwt.algorithms` (so "none" and key-confusion tricks
 * fail): HS256 against auth.userJwtSecret, RS256/ES256 against the IdP's JWKS (src/admission/jwks.ts). `sub`
 * is the user id, `exp` required, `nbf` and `iat` honoured, all with a small clock-skew allowance; `iss` and
 * `aud` checked when configured. Header and claims are parsed strictly whatever the algorithm.
 *
 * Verified tokens are cached until their expiry: a buyer hammering the button pays for the crypto once. A
 * hit, and every HS256 check, is synchronous: `userId` returns a string. Only an RS256/ES256 token not yet
 * cached returns a promise (the key may have to be fetched; jose verifies with WebCrypto, which is async).
 */
export class BuyerAuth {
  /** auth.userJwtSecret with its HMAC pads compressed once: an HS256 check costs no key set-up. */
  private readonly key: HmacSha256;
  private readonly signed = new HashInput();
  private readonly expected = Buffer.alloc(32);
  /** Keyed by the header's last characters (the signature's), the entry holding the whole header. */
  private readonly verified = new VerifiedCache(100_000);
  private readonly hs256: boolean;
  private readonly remoteAlgs: JwksAlgorithm[];
  private readonly audiences: readonly string[] | null;
  /** The IdP's keys, when RS256 or ES256 is accepted. */
  readonly jwks: JwksKeys | null;

  constructor(
    secret: string,
    private readonly skewSeconds: number,
    private readonly jwt: BuyerJwtOptions = HS256_ONLY,
    /** Expiry checks and the JWKS cache and cooldown read this clock (ms); tests inject one instead of sleeping. */
    private readonly now: () => number = () => Date.now(),
  ) {
    this.key = new HmacSha256(Buffer.from(secret, "utf8"));
    this.hs256 = jwt.algorithms.includes("HS256");
    this.remoteAlgs = jwt.algorithms.filter((a): a is JwksAlgorithm => a !== "HS256");
    this.audiences = jwt.audience === null ? null : typeof jwt.audience === "string" ? [jwt.audience] : jwt.audience;
    if (this.remoteAlgs.length > 0 && !jwt.jwksUrl) throw new Error("auth.jwt.jwksUrl is required for RS256/ES256");
    this.jwks =
      this.remoteAlgs.length === 0
        ? null
        : new JwksKeys({
            url: jwt.jwksUrl!,
            algorithms: this.remoteAlgs,
            cacheMs: jwt.jwksCacheSeconds * 1000,
            cooldownMs: jwt.jwksCooldownSeconds * 1000,
            timeoutMs: jwt.jwksTimeoutMs,
            now,
          });
  }

  /**
   * The user id behind an Authorization header, or ApiError UNAUTHENTICATED (503 UNAVAILABLE when the IdP's
   * keys cannot be fetched). A string when decided synchronously (cache hit, HS256), else a promise.
   */
  userId(authorization: string, now = this.now()): string | Promise<string> {
    // A hit counts only for the very same header (which passed every check below once).
    const key = cacheKey(authorization);
    const hit = this.verified.get(key);
    if (hit && hit.authorization === authorization) {
      if (now < hit.expMs) return hit.userId;
      this.verified.delete(key);
      throw unauthenticated("token expired");
    }
    const jwt = bearer(authorization);
    const parts = jwt.split(".");
    if (parts.length !== 3) throw unauthenticated("malformed token");
    const [h, p, s] = parts as [string, string, string];
    const header = decodeHeader(h);
    if (!header || !typOk(header.typ) || header.crit !== undefined) throw unauthenticated("malformed token header");
    const alg = header.alg;
    if (alg === "HS256" && this.hs256) {
      const expected = this.expected;
      this.key.digestInto(this.signed.reset().text(h).byte(0x2e).text(p), expected, 0);
      const given = HS256_HEADER_RE.test(s) ? Buffer.from(s, "base64url") : Buffer.alloc(0);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw unauthenticated("bad token signature");
      return this.accept(key, authorization, decodeJson(p), now);
    }
    if ((alg === "RS256" || alg === "ES256") && this.remoteAlgs.includes(alg)) {
      const kid = header.kid;
      if (kid !== undefined && typeof kid !== "string") throw unauthenticated("malformed token header");
      // Claims parsed strictly before any crypto: jose's JSON.parse would take the last of two `sub`s.
      const claims = decodeJson(p);
      if (!claims) throw unauthenticated("malformed token claims");
      return this.verifyRemote(jwt, alg, kid, key, authorization, claims, now);
    }
    throw unauthenticated(`token algorithm must be one of ${this.jwt.algorithms.join(", ")}`);
  }

  /** Fetches the IdP's keys ahead of the first buyer (start-up); failures are left for requests to meet. */
  async warm(): Promise<void> {
    await this.jwks?.warm();
  }

  /** jose checks the signature (and its own reading of the times); the claims accepted are the strictly parsed ones. */
  private async verifyRemote(
    jwt: string,
    alg: JwksAlgorithm,
    kid: string | undefined,
    key: number,
    authorization: string,
    claims: Record<string, unknown>,
    now: number,
  ): Promise<string> {
    const jwks = this.jwks!;
    try {
      await jwtVerify(jwt, () => jwks.key(alg, kid), {
        algorithms: [alg],
        currentDate: new Date(now),
        clockTolerance: this.skewSeconds,
      });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof joseErrors.JOSEError)
        throw unauthenticated(err.code === "ERR_JWT_EXPIRED" ? "token expired" : `token refused: ${err.message}`);
      throw err;
    }
    return this.accept(key, authorization, claims, now);
  }

  /** The claims checks every algorithm shares, once the signature is good; caches the token. */
  private accept(key: number, authorization: string, claims: Record<string, unknown> | null, now: number): string {
    if (!claims) throw unauthenticated("malformed token claims");
    const { sub, exp, nbf, iat, iss, aud } = claims;
    if (typeof exp !== "number" || !Number.isFinite(exp)) throw unauthenticated("token has no exp");
    if (typeof sub !== "string" || !USER_ID_RE.test(sub)) throw unauthenticated("token sub is not a valid user id");
    const skewMs = this.skewSeconds * 1000;
    const expMs = exp * 1000 + skewMs;
    if (now >= expMs) throw unauthenticated("token expired");
    if (nbf !== undefined && (typeof nbf !== "number" || now + skewMs < nbf * 1000))
      throw unauthenticated("token not valid yet");
    // A token "issued" in the future comes from a broken or hostile issuer.
    if (iat !== undefined && (typeof iat !== "number" || now + skewMs < iat * 1000))
      throw unauthenticated("token issued in the future");
    if (this.jwt.issuer !== null && iss !== this.jwt.issuer) throw unauthenticated("token issuer is not accepted");
    if (this.audiences !== null) {
      const given = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
      if (!given.some((a) => this.audiences!.includes(a as string)))
        throw unauthenticated("token audience is not accepted");
    }
    // A not-yet-valid token is never cached, so only the expiry needs checking on a hit.
    this.verified.set(key, { authorization, userId: sub, expMs });
    return sub;
  }
}

/** A buyer's credential (a JWT: three dot-separated base64url parts), as opposed to an operator token. */
const JWT_SHAPE_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The operator tokens (`auth.adminToken`, one or a list, so a token can be rotated without downtime: add the
 * new one, hand it out, remove the old). Compared in constant time: the SHA-256 digests of the given token
 * and of every listed one, all compared whichever matches. A token not listed (a removed one, say) is 401;
 * a buyer's JWT is valid credentials without the right, 403.
 */
export class AdminAuth {
  private readonly digests: Buffer[];

  constructor(tokens: string | readonly string[]) {
    const list = typeof tokens === "string" ? [tokens] : tokens;
    if (list.length === 0) throw new Error("auth.adminToken: expected at least one token");
    this.digests = list.map((t) => createHash("sha256").update(t).digest());
  }

  check(authorization: string): void {
    const token = bearer(authorization);
    const given = createHash("sha256").update(token).digest();
    let known = false;
    for (const d of this.digests) known = timingSafeEqual(given, d) || known;
    if (known) return;
    if (JWT_SHAPE_RE.test(token)) throw new ApiError("FORBIDDEN", "operator credentials required");
    throw unauthenticated("unknown operator token");
  }
}

/** Signs a buyer JWT (tests, demo and benchmarks act as the storefront that normally does this). */
export function signBuyerJwt(
  secret: string,
  claims: { sub: string; exp: number; nbf?: number; [k: string]: unknown },
): string {
  const h = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const s = createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url");
  return `${h}.${p}.${s}`;
}
