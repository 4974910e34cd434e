import { createHmac, timingSafeEqual } from "node:crypto";
import { ApiError } from "../errors.js";

export const SIGNATURE_RE = /^sha256=([0-9a-f]{64})$/;

/**
 * Verifies `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` from the payment provider, in constant
 * time, before the body is parsed or anything recorded. Anything else is 401 UNAUTHENTICATED.
 */
export class PaymentSignature {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, "utf8");
  }

  sign(body: Buffer | string): string {
    return `sha256=${createHmac("sha256", this.key).update(body).digest("hex")}`;
  }

  check(header: string, body: Buffer | null): void {
    if (!header) throw new ApiError("UNAUTHENTICATED", "missing X-Signature");
    const m = SIGNATURE_RE.exec(header);
    const expected = createHmac("sha256", this.key).update(body ?? Buffer.alloc(0)).digest();
    const given = m ? Buffer.from(m[1]!, "hex") : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError("UNAUTHENTICATED", "bad X-Signature");
  }
}
