import { createHash, createHmac, randomFillSync, timingSafeEqual } from "node:crypto";
import {
  TOKEN_EXPIRY_BYTES as EXPIRY_BYTES,
  TOKEN_MAC_BYTES as MAC_BYTES,
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

/** Nonces from one random buffer refilled 1024 at a time: a randomBytes call per token cost more than its MAC. */
const noncePool = Buffer.allocUnsafe(NONCE_BYTES * 1024);
let nonceAt = noncePool.length;

function nextNonce(into: Buffer, at: number): void {
  if (nonceAt === noncePool.length) {
    randomFillSync(noncePool);
    nonceAt = 0;
  }
  noncePool.copy(into, at, nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
}

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
  private readonly keys: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer; head: Buffer };

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
      this.keys.set(k.id, createHmac("sha256", k.secret).update("flashsale purchase token v1").digest());
    }
    const id = list[0]!.id;
    this.current = { id, key: this.keys.get(id)!, head: Buffer.from([VERSION, id.length, ...Buffer.from(id)]) };
  }

  /** The key id new tokens are signed with. */
  get keyId(): string {
    return this.current.id;
  }

  private static mac(key: Buffer, signed: Buffer, saleId: string, userId: string): Buffer {
    // One update of "sale\0buyer": the same bytes as three, with fewer calls into the binding.
    return createHmac("sha256", key).update(signed).update(`${saleId}\0${userId}`).digest();
  }

  /**
   * A token for this buyer and sale, valid until `expiresAtMs`. `nonce` (any bytes; 12 are used as given,
   * others are hashed to 12) makes it deterministic, for callers that must mint the same token again.
   */
  mint(saleId: string, userId: string, expiresAtMs: number, nonce?: Buffer): string {
    const { head, key } = this.current;
    const signedLen = head.length + EXPIRY_BYTES + NONCE_BYTES;
    const raw = Buffer.allocUnsafe(signedLen + MAC_BYTES);
    head.copy(raw, 0);
    raw.writeUIntBE(Math.max(0, Math.floor(expiresAtMs)), head.length, EXPIRY_BYTES);
    const at = head.length + EXPIRY_BYTES;
    if (nonce === undefined) nextNonce(raw, at);
    else if (nonce.length === NONCE_BYTES) nonce.copy(raw, at);
    else createHash("sha256").update(nonce).digest().copy(raw, at, 0, NONCE_BYTES);
    PurchaseTokens.mac(key, raw.subarray(0, signedLen), saleId, userId).copy(raw, signedLen, 0, MAC_BYTES);
    return raw.toString("base64url");
  }

  /**
   * Checks the signature and the binding to this sale and buyer; `expired` once `nowMs` reached the expiry
   * (pass -Infinity to learn the expiry of a token that may have expired). `id`: the token itself, the name
   * of its use record in Redis.
   */
  verify(token: string, saleId: string, userId: string, nowMs: number): TokenCheck {
    if (token.length < 50 || token.length > 59) return { ok: false, reason: "malformed" };
    const raw = Buffer.from(token, "base64url");
    const kidLen = tokenKidLength(raw);
    // base64url decoding skips characters outside its alphabet: a re-encoding refuses such a token.
    if (kidLen === null || raw.toString("base64url") !== token) return { ok: false, reason: "malformed" };
    const signedLen = 2 + kidLen + EXPIRY_BYTES + NONCE_BYTES;
    const key = this.keys.get(raw.toString("latin1", 2, 2 + kidLen));
    if (!key) return { ok: false, reason: "unknown_key" };
    const signed = raw.subarray(0, signedLen);
    if (
      !timingSafeEqual(raw.subarray(signedLen), PurchaseTokens.mac(key, signed, saleId, userId).subarray(0, MAC_BYTES))
    )
      return { ok: false, reason: "bad_signature" };
    const expiresAt = raw.readUIntBE(2 + kidLen, EXPIRY_BYTES);
    if (nowMs >= expiresAt) return { ok: false, reason: "expired" };
    return { ok: true, expiresAt, id: token };
  }
}
