import { createHmac, timingSafeEqual } from "node:crypto";
import { HashInput, HmacSha256, sha256Into } from "./hmac-sha256.js";
import { RandomBlocks } from "./random-blocks.js";
import {
  TOKEN_EXPIRY_BYTES as EXPIRY_BYTES,
  TOKEN_MAC_BYTES as MAC_BYTES,
  TOKEN_MAX_BYTES,
  TOKEN_NONCE_BYTES as NONCE_BYTES,
  TOKEN_VERSION as VERSION,
  tokenKidLength,
} from "../reservation/token-format.js";

/** A signing key of purchase tokens: `id` travels in the token, `secret` never does. */
export interface PurchaseTokenKey {
  id: string;
  secret: string;
}

/** Key ids: 1-8 of [A-Za-z0-9_-], short because every token carries one. */
export const TOKEN_KEY_ID_RE = /^[A-Za-z0-9_-]{1,8}$/;
/** The id of the key derived from `auth.userJwtSecret` when `auth.purchaseTokenKeys` is absent. */
export const DERIVED_KEY_ID = "jwt";

/** Nonces from one random block of 1024 (12 KiB): a randomBytes call per token cost more than its MAC. */
const nonces = new RandomBlocks(NONCE_BYTES, 1024);
/** The message of every MAC and hash here, assembled in place (all synchronous, so one is enough). */
const input = new HashInput();
/** The bytes of the token mint() is writing, reused: the token leaves as a string. */
const minted = Buffer.alloc(TOKEN_MAX_BYTES);
/** The MAC verify() computes, to compare with the token's. */
const expected = Buffer.alloc(MAC_BYTES);

export type TokenRefusal = "malformed" | "unknown_key" | "bad_signature" | "expired";

export type TokenCheck = { ok: true; expiresAt: number; id: string } | { ok: false; reason: TokenRefusal };

/**
 * Signed purchase tokens: base64url of `version | kid length | kid | expiry (unix ms) | nonce | MAC`, the MAC
 * (HMAC-SHA256, 128 bits) over those bytes and the sale and buyer ids, under the key the kid names (the
 * layout: reservation/token-format.ts). A gateway mints and checks one without I/O; Redis sees a token only
 * when it buys, and the reserve script then records its one use (docs/api.md "Purchase tokens"). Keys
 * rotate: mint with the first listed, verify with any listed.
 */
export class PurchaseTokens {
  private readonly keys: Map<string, HmacSha256>;
  private readonly current: { id: string; key: HmacSha256; head: Buffer };

  /** `keys`: the configured list (newest first), or the JWT secret to derive the one key from, as before. */
  constructor(keys: string | readonly PurchaseTokenKey[]) {
    const list = typeof keys === "string" ? [{ id: DERIVED_KEY_ID, secret: keys }] : keys;
    if (list.length === 0) throw new Error("purchase tokens need at least one key");
    this.keys = new Map();
    for (const k of list) {
      if (!TOKEN_KEY_ID_RE.test(k.id))
        throw new Error(`purchase token key id "${k.id}": expected 1-8 of [A-Za-z0-9_-]`);
      if (this.keys.has(k.id)) throw new Error(`purchase token key id "${k.id}" is listed twice`);
      // A key of its own, so a token MAC can never double as a JWT signature made with the same secret.
      this.keys.set(
        k.id,
        new HmacSha256(createHmac("sha256", k.secret).update("flashsale purchase token v1").digest()),
      );
    }
    const id = list[0]!.id;
    this.current = { id, key: this.keys.get(id)!, head: Buffer.from([VERSION, id.length, ...Buffer.from(id)]) };
  }

  /** The key id new tokens are signed with. */
  get keyId(): string {
    return this.current.id;
  }

  /** The MAC (its first MAC_BYTES) of raw[0..signedLen), the sale and the buyer, written to out[at..). */
  private static mac(
    key: HmacSha256,
    raw: Buffer,
    signedLen: number,
    saleId: string,
    userId: string,
    out: Buffer,
    at: number,
  ): void {
    // "sale\0buyer" after the signed bytes, as one update of `${saleId}\0${userId}` hashed them.
    key.digestInto(input.reset().bytes(raw, 0, signedLen).text(saleId).byte(0).text(userId), out, at, MAC_BYTES);
  }

  /**
   * A token for this buyer and sale, valid until `expiresAtMs`. `nonce` (any bytes; 12 are used as given,
   * others are hashed to 12) makes it deterministic, for callers that must mint the same token again.
   */
  mint(saleId: string, userId: string, expiresAtMs: number, nonce?: Buffer): string {
    const { head, key } = this.current;
    const raw = minted;
    const at = head.length + EXPIRY_BYTES;
    const signedLen = at + NONCE_BYTES;
    for (let i = 0; i < head.length; i++) raw[i] = head[i]!;
    raw.writeUIntBE(Math.max(0, Math.floor(expiresAtMs)), head.length, EXPIRY_BYTES);
    if (nonce === undefined) nonces.take(raw, at);
    else if (nonce.length === NONCE_BYTES) nonce.copy(raw, at);
    else sha256Into(input.reset().bytes(nonce), raw, at, NONCE_BYTES);
    PurchaseTokens.mac(key, raw, signedLen, saleId, userId, raw, signedLen);
    return raw.toString("base64url", 0, signedLen + MAC_BYTES);
  }

  /**
   * Checks the signature and the binding to this sale and buyer; `expired` once `nowMs` reached the expiry
   * plus `graceMs` (0: the token's own expiry; the order route passes the replay window, in which an
   * expired token may still replay its outcome). `id`: the token itself, the name of its use record in Redis.
   */
  verify(token: string, saleId: string, userId: string, nowMs: number, graceMs = 0): TokenCheck {
    if (token.length < 50 || token.length > 59) return { ok: false, reason: "malformed" };
    const raw = Buffer.from(token, "base64url");
    const kidLen = tokenKidLength(raw);
    // base64url decoding skips characters outside its alphabet: a re-encoding refuses such a token.
    if (kidLen === null || raw.toString("base64url") !== token) return { ok: false, reason: "malformed" };
    const signedLen = 2 + kidLen + EXPIRY_BYTES + NONCE_BYTES;
    const key = this.keys.get(raw.toString("latin1", 2, 2 + kidLen));
    if (!key) return { ok: false, reason: "unknown_key" };
    PurchaseTokens.mac(key, raw, signedLen, saleId, userId, expected, 0);
    if (!timingSafeEqual(raw.subarray(signedLen), expected)) return { ok: false, reason: "bad_signature" };
    const expiresAt = raw.readUIntBE(2 + kidLen, EXPIRY_BYTES);
    if (nowMs >= expiresAt + graceMs) return { ok: false, reason: "expired" };
    return { ok: true, expiresAt, id: token };
  }
}
