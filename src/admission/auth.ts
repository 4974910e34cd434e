import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { LRUCache } from "lru-cache";
import { ApiError } from "../errors.js";
import { USER_ID_RE } from "./ids.js";
import { parseStrictJson } from "./strict-json.js";

/** Longest Authorization header we parse; anything longer is refused before any crypto. */
const MAX_CREDENTIAL_BYTES = 2048;

/** Characters of an Authorization header that key the verified-token cache: within an HS256 signature (43). */
const CACHE_KEY_CHARS = 32;
const HS256_HEADER_RE = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function unauthenticated(message: string): ApiError {
  return new ApiError("UNAUTHENTICATED", message);
}

export function bearer(authorization: string): string {
  if (!authorization) throw unauthenticated("missing Authorization header");
  if (authorization.length > MAX_CREDENTIAL_BYTES) throw unauthenticated("credentials too large");
  const m = /^Bearer ([^\s]+)$/.exec(authorization);
  if (!m) throw unauthenticated("expected Authorization: Bearer <token>");
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

/**
 * Verifies buyer JWTs: HS256 only (the algorithm is pinned, so "none" and key-confusion tricks fail),
 * `sub` the user id, `exp` required, `nbf` honoured, both with a small clock-skew allowance.
 * Verified tokens are cached until their expiry: a buyer hammering the button pays for the HMAC once.
 */
export class BuyerAuth {
  private readonly key: Buffer;
  /** Keyed by the header's last characters (the signature's), the entry holding the whole header. */
  private readonly verified = new LRUCache<string, { authorization: string; userId: string; expMs: number }>({ max: 100_000 });

  constructor(
    secret: string,
    private readonly skewSeconds: number,
  ) {
    this.key = Buffer.from(secret, "utf8");
  }

  /** The user id behind an Authorization header, or ApiError UNAUTHENTICATED. */
  userId(authorization: string, now = Date.now()): string {
    // Hashing a whole ~250-character header per request costs more than the rest of a hit: the cache key is
    // its tail, and a hit counts only for the very same header (which passed every check below once).
    const key = authorization.length > CACHE_KEY_CHARS ? authorization.slice(-CACHE_KEY_CHARS) : authorization;
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
    const header = decodeJson(h);
    if (!header || header.alg !== "HS256" || (header.typ !== undefined && header.typ !== "JWT") || header.crit !== undefined) {
      throw unauthenticated("token must be an HS256 JWT");
    }
    const expected = createHmac("sha256", this.key).update(`${h}.${p}`).digest();
    const given = HS256_HEADER_RE.test(s) ? Buffer.from(s, "base64url") : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthenticated("bad token signature");
    const claims = decodeJson(p);
    if (!claims) throw unauthenticated("malformed token claims");
    const { sub, exp, nbf, iat } = claims;
    if (typeof exp !== "number" || !Number.isFinite(exp)) throw unauthenticated("token has no exp");
    if (typeof sub !== "string" || !USER_ID_RE.test(sub)) throw unauthenticated("token sub is not a valid user id");
    const skewMs = this.skewSeconds * 1000;
    const expMs = exp * 1000 + skewMs;
    if (now >= expMs) throw unauthenticated("token expired");
    if (nbf !== undefined && (typeof nbf !== "number" || now + skewMs < nbf * 1000)) throw unauthenticated("token not valid yet");
    // A token "issued" in the future comes from a broken or hostile issuer.
    if (iat !== undefined && (typeof iat !== "number" || now + skewMs < iat * 1000)) throw unauthenticated("token issued in the future");
    // A not-yet-valid token is never cached, so only the expiry needs checking on a hit.
    this.verified.set(key, { authorization, userId: sub, expMs });
    return sub;
  }
}

/** The operator token, compared in constant time (digests of equal length, whatever the input). */
export class AdminAuth {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = createHash("sha256").update(token).digest();
  }

  check(authorization: string): void {
    const given = createHash("sha256").update(bearer(authorization)).digest();
    if (!timingSafeEqual(given, this.digest)) throw new ApiError("FORBIDDEN", "operator credentials required");
  }
}

/** Signs a buyer JWT (tests, demo and benchmarks act as the storefront that normally does this). */
export function signBuyerJwt(secret: string, claims: { sub: string; exp: number; nbf?: number; [k: string]: unknown }): string {
  const h = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const s = createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url");
  return `${h}.${p}.${s}`;
}
