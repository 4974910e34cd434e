import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Purchase tokens are 12 random bytes plus a 12-byte HMAC over (sale, buyer, random), base64url: 32 chars.
 * The MAC lets a gateway refuse a forged token, or one bound to another buyer or sale, without Redis;
 * Redis still decides whether the token exists, has expired or was used.
 */
export class PurchaseTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the JWT secret, so a token MAC can never double as a JWT signature.
    this.key = createHmac("sha256", secret).update("flashsale purchase token v1").digest();
  }

  private mac(saleId: string, userId: string, nonce: Buffer): Buffer {
    return createHmac("sha256", this.key)
      .update(saleId)
      .update("\0")
      .update(userId)
      .update("\0")
      .update(nonce)
      .digest()
      .subarray(0, 12);
  }

  mint(saleId: string, userId: string): string {
    const nonce = randomBytes(12);
    return Buffer.concat([nonce, this.mac(saleId, userId, nonce)]).toString("base64url");
  }

  /** True when the token was minted by us for this sale and buyer. */
  verify(token: string, saleId: string, userId: string): boolean {
    const raw = Buffer.from(token, "base64url");
    if (raw.length !== 24) return false;
    return timingSafeEqual(raw.subarray(12), this.mac(saleId, userId, raw.subarray(0, 12)));
  }
}
