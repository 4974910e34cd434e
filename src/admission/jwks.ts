import { importJWK, type CryptoKey, type JWK } from "jose";
import { ApiError, INVALID_TOKEN_CHALLENGE, RETRY_SOON } from "../errors.js";

/** The asymmetric algorithms a JWKS may serve keys for. */
export type JwksAlgorithm = "RS256" | "ES256";

export interface JwksOptions {
  url: string;
  /** The algorithms accepted: a key is used only for one of these. */
  algorithms: readonly JwksAlgorithm[];
  /** A fetched key set is used this long before the next use fetches it again. */
  cacheMs: number;
  /** After any fetch, at least this long before the next: unknown `kid`s and an IdP outage cannot hammer it. */
  cooldownMs: number;
  /** A fetch slower than this fails. */
  timeoutMs: number;
  /** The clock the cache and cooldown are measured on (ms); tests pass their own instead of sleeping. */
  now?: () => number;
}

interface Entry {
  kid: string | undefined;
  alg: JwksAlgorithm;
  key: CryptoKey;
}

/** Larger key sets are refused: a JWKS is a handful of keys, not megabytes. */
const MAX_JWKS_BYTES = 256 * 1024;

/** The algorithm a JWK can verify, or null (encryption keys, other curves, other key types). */
function algOf(jwk: JWK, accepted: readonly JwksAlgorithm[]): JwksAlgorithm | null {
  if (jwk.use !== undefined && jwk.use !== "sig") return null;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes("verify")) return null;
  let alg: JwksAlgorithm | null = null;
  if (jwk.kty === "RSA") alg = "RS256";
  else if (jwk.kty === "EC" && jwk.crv === "P-256") alg = "ES256";
  if (alg === null || (jwk.alg !== undefined && jwk.alg !== alg)) return null;
  return accepted.includes(alg) ? alg : null;
}

function unavailable(message: string): ApiError {
  return new ApiError("UNAVAILABLE", message, RETRY_SOON);
}

/**
 * The identity provider's public keys, fetched from its JWKS URL at start-up or first use (no timer runs)
 * and kept `cacheMs`, then refreshed behind the next use, which goes on with the keys held. A token whose
 * `kid` is not in the set fetches it again at once (the IdP rotated its keys), but never sooner than
 * `cooldownMs` after the previous fetch, so a flood of made-up `kid`s costs the IdP one request per
 * cooldown. One fetch at a time: concurrent misses wait for the same one. When a refresh fails the keys
 * held stay in use; with no key for the token and the last fetch failed, the answer is 503 UNAVAILABLE
 * (the token may well be good: the client retries), not 401.
 */
export class JwksKeys {
  private entries: Entry[] = [];
  private loadedAt = -Infinity;
  private attemptedAt = -Infinity;
  private lastError: string | null = null;
  private pending: Promise<void> | null = null;
  /** Fetches started (successful or not), for tests and metrics. */
  fetches = 0;

  private readonly now: () => number;

  constructor(private readonly opts: JwksOptions) {
    this.now = opts.now ?? (() => Date.now());
  }

  /** The key for a token's protected header, or ApiError UNAUTHENTICATED (no such key) / UNAVAILABLE. */
  async key(alg: JwksAlgorithm, kid: string | undefined): Promise<CryptoKey> {
    if (this.now() - this.loadedAt >= this.opts.cacheMs) {
      const refreshing = this.refresh(this.now());
      // Keys held keep serving while the set refreshes behind them: a slow IdP delays no known kid.
      if (this.entries.length === 0) await refreshing;
    }
    let found = this.find(alg, kid);
    if (found === undefined) {
      // Perhaps rotated: wait for the fetch under way, or start one unless one was made within the cooldown.
      await (this.pending ?? this.refresh(this.now()));
      found = this.find(alg, kid);
    }
    if (found !== undefined) return found;
    if (this.lastError !== null)
      throw unavailable(`the identity provider's keys could not be fetched (${this.lastError})`);
    throw new ApiError(
      "UNAUTHENTICATED",
      kid === undefined
        ? `no single ${alg} key for a token without kid`
        : `no ${alg} key with kid ${JSON.stringify(kid)}`,
      INVALID_TOKEN_CHALLENGE,
    );
  }

  /** Fetches now unless cooling down (start-up warm-up); never throws. */
  async warm(): Promise<void> {
    await this.refresh(this.now());
  }

  private find(alg: JwksAlgorithm, kid: string | undefined): CryptoKey | undefined {
    if (kid !== undefined) return this.entries.find((e) => e.kid === kid && e.alg === alg)?.key;
    // Without kid the key must be unambiguous: trying each would let one token cost many verifications.
    const all = this.entries.filter((e) => e.alg === alg);
    return all.length === 1 ? all[0]!.key : undefined;
  }

  private refresh(now: number): Promise<void> {
    if (this.pending) return this.pending;
    if (now - this.attemptedAt < this.opts.cooldownMs) return Promise.resolve();
    this.attemptedAt = now;
    this.fetches++;
    this.pending = this.load()
      .then(
        (entries) => {
          this.entries = entries;
          this.loadedAt = this.now();
          this.lastError = null;
        },
        (err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
        },
      )
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  private async load(): Promise<Entry[]> {
    const res = await fetch(this.opts.url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    if (res.status !== 200) throw new Error(`JWKS ${this.opts.url} answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`JWKS ${this.opts.url} is larger than ${MAX_JWKS_BYTES} bytes`);
    const body = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(body?.keys)) throw new Error(`JWKS ${this.opts.url} has no "keys" array`);
    const entries: Entry[] = [];
    for (const jwk of body.keys as JWK[]) {
      if (typeof jwk !== "object" || jwk === null || "d" in jwk) continue; // a private key has no place here
      const alg = algOf(jwk, this.opts.algorithms);
      if (alg === null) continue;
      try {
        entries.push({
          kid: typeof jwk.kid === "string" ? jwk.kid : undefined,
          alg,
          key: (await importJWK(jwk, alg)) as CryptoKey,
        });
      } catch {
        // A key this runtime cannot import is skipped; the others still serve.
      }
    }
    return entries;
  }
}
