import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HashInput, HmacSha256, sha256Into } from "../../src/admission/hmac-sha256.js";

/** Every message length around SHA-256's padding edges (55/56 bytes, one and two blocks) and beyond. */
const LENGTHS = [...Array.from({ length: 140 }, (_, i) => i), 183, 184, 191, 192, 255, 256, 257, 1000, 5000];

describe("HmacSha256: node:crypto's HMAC-SHA256, without its per-MAC objects", () => {
  it("equals createHmac for keys of 0 to 200 bytes (longer than the block: hashed first) and every message length", () => {
    const input = new HashInput();
    const out = Buffer.alloc(32);
    for (const keyLength of [0, 1, 16, 32, 63, 64, 65, 100, 128, 200]) {
      const key = randomBytes(keyLength);
      const mac = new HmacSha256(key);
      for (const n of LENGTHS) {
        const msg = randomBytes(n);
        mac.digestInto(input.reset().bytes(msg), out, 0);
        expect(out.toString("hex"), `key ${keyLength}, message ${n}`).toBe(
          createHmac("sha256", key).update(msg).digest("hex"),
        );
      }
    }
  });

  it("strings go in as UTF-8, as update(string) takes them (lone surrogates as U+FFFD)", () => {
    const input = new HashInput();
    const key = randomBytes(32);
    const m = new HmacSha256(key);
    const texts = [
      "",
      "alice",
      "sale-1",
      "é",
      "日本語のユーザー",
      "😀x",
      "a\ud800b",
      "\udc00",
      "x".repeat(300),
      "ü".repeat(200),
    ];
    for (const a of texts)
      for (const b of texts) {
        const out = Buffer.alloc(32);
        m.digestInto(
          input
            .reset()
            .bytes(Buffer.from([1, 2, 3]))
            .text(a)
            .byte(0)
            .text(b),
          out,
          0,
        );
        const want = createHmac("sha256", key)
          .update(Buffer.from([1, 2, 3]))
          .update(`${a}\0${b}`)
          .digest();
        expect(out.equals(want), JSON.stringify([a, b])).toBe(true);
      }
  });

  it("writes only the bytes asked for, where asked; the input is reusable after any length", () => {
    const key = randomBytes(40);
    const m = new HmacSha256(key);
    const input = new HashInput();
    m.digestInto(input.reset().bytes(randomBytes(3000)), Buffer.alloc(32), 0);
    const out = Buffer.alloc(40, 0xee);
    m.digestInto(input.reset().text("sale").byte(0).text("bob"), out, 7, 16);
    const want = createHmac("sha256", key).update("sale\0bob").digest();
    expect(out.subarray(7, 23).equals(want.subarray(0, 16))).toBe(true);
    expect([...out.subarray(0, 7), ...out.subarray(23)].every((b) => b === 0xee)).toBe(true);
    expect(() => m.digestInto(input.reset(), Buffer.alloc(64), 0, 33)).toThrow(RangeError);
  });

  it("sha256Into equals createHash for every message length", () => {
    const input = new HashInput();
    const out = Buffer.alloc(32);
    for (const n of LENGTHS) {
      const msg = randomBytes(n);
      sha256Into(input.reset().bytes(msg), out, 0);
      expect(out.toString("hex"), `message ${n}`).toBe(createHash("sha256").update(msg).digest("hex"));
    }
  });
});
