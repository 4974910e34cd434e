import { createHash } from "node:crypto";

/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain JavaScript for the short messages of purchase tokens. A key's
 * inner and outer pad blocks are compressed once, at construction, so a MAC of a token (under 120 bytes)
 * costs three compressions and allocates nothing; node:crypto's createHmac costs an object, a key set-up
 * and several calls into the binding per MAC, several times as much. Only arithmetic on 32-bit words, no
 * table indexed by secret data: the time depends on the message's length alone.
 */

/** SHA-256's round constants (FIPS 180-4, 4.2.2). */
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const BLOCK = 64;
/** The block being compressed, as 16 big-endian words: shared, as every call runs to completion alone. */
const w = new Int32Array(16);

/** Reads the 16 big-endian words of the block at `at` into w: getInt32 compiles to a load and a byte swap. */
function load(view: DataView, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) w[i] = view.getInt32(at);
}

/** A view of `buf`'s own bytes (a pooled Buffer starts inside a larger ArrayBuffer). */
function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * The source of compress(from, to, w): SHA-256's compression function (FIPS 180-4, 6.2.2) as a loop of four
 * passes of 16 rounds written out. The working variables and the message schedule (a window of 16 words,
 * each replaced in its slot as the next 16 are scheduled) stay in locals, and the variables are renamed
 * from round to round instead of moved. Alone it takes 0.58 of the time of the loop over arrays it replaced
 * (the schedule in a typed array, eight moves a round); all 64 rounds written out took 0.43 alone but more
 * than this within a mint, their code crowding the instruction cache (bench/README.md, token-issue).
 */
function compressSource(): string {
  const v = ["a", "b", "c", "d", "e", "f", "g", "h"];
  const rotr = (x: string, n: number): string => `((${x} >>> ${n}) | (${x} << ${32 - n}))`;
  const words = Array.from({ length: 16 }, (_, i) => `w${i} = w[${i}]`);
  const schedule: string[] = [];
  const rounds: string[] = [];
  for (let j = 0; j < 16; j++) {
    // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in the slot W[t-16] leaves.
    const [x, y] = [`w${(j + 1) % 16}`, `w${(j + 14) % 16}`];
    const sigma0 = `${rotr(x, 7)} ^ ${rotr(x, 18)} ^ (${x} >>> 3)`;
    const sigma1 = `${rotr(y, 17)} ^ ${rotr(y, 19)} ^ (${y} >>> 10)`;
    schedule.push(`w${j} = (w${j} + (${sigma0}) + w${(j + 9) % 16} + (${sigma1})) | 0;`);
    // Round t + j's a..h: the variable that held h a round before holds a now, and so on.
    const at = (i: number): string => v[(i - j + 16) % 8]!;
    const [a, b, c, d, e, f, g, h] = [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)];
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]; e' = d + T1; a' = T1 + Σ0(a) + Maj(a, b, c).
    const sum1 = `${rotr(e, 6)} ^ ${rotr(e, 11)} ^ ${rotr(e, 25)}`;
    const sum0 = `${rotr(a, 2)} ^ ${rotr(a, 13)} ^ ${rotr(a, 22)}`;
    rounds.push(`${h} = (${h} + (${sum1}) + (${g} ^ (${e} & (${f} ^ ${g}))) + k[t + ${j}] + w${j}) | 0;`);
    rounds.push(`${d} = (${d} + ${h}) | 0;`);
    rounds.push(`${h} = (${h} + (${sum0}) + ((${a} & ${b}) | (${c} & (${a} | ${b})))) | 0;`);
  }
  // 16 rounds rename the variables twice round: a pass ends with a in a again.
  return [
    "return function compress(from, to, w) {",
    `const k = K;`,
    `let ${v.map((x, i) => `${x} = from[${i}]`).join(", ")};`,
    `let ${words.join(", ")};`,
    "for (let t = 0; t < 64; t += 16) {",
    "if (t > 0) {",
    ...schedule,
    "}",
    ...rounds,
    "}",
    ...v.map((x, i) => `to[${i}] = (from[${i}] + ${x}) | 0;`),
    "};",
  ].join("\n");
}

/**
 * One compression of the block in w, from the state `from` into `to` (the same array or not: a key's pad
 * state is never copied). Generated once, at load, from compressSource() (a TypeScript function cannot be
 * written out this way within the house's 80 lines): only arithmetic on 32-bit words, no table indexed by
 * secret data, the same text on every start.
 */
const compress = new Function("K", compressSource())(Int32Array.from(K)) as (
  from: Int32Array,
  to: Int32Array,
  block: Int32Array,
) => void;

/** The digest in `state`, big-endian, its first `length` bytes to out[at..). */
function write(state: Int32Array, out: Uint8Array, at: number, length: number): void {
  if (length > 32) throw new RangeError("a SHA-256 digest has 32 bytes");
  for (let i = 0; i < length; i++) out[at + i] = (state[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
}

/**
 * A message assembled in place for HmacSha256.digestInto and sha256Into: one buffer, reused, with room kept for the
 * padding. Build it with reset() and the appenders, then hand it over.
 */
export class HashInput {
  private buf = Buffer.allocUnsafe(256);
  private view = viewOf(this.buf);
  private len = 0;

  reset(): this {
    this.len = 0;
    return this;
  }

  /** Appends src[start..end). */
  bytes(src: Uint8Array, start = 0, end = src.length): this {
    this.reserve(end - start);
    const buf = this.buf;
    let at = this.len;
    for (let i = start; i < end; i++) buf[at++] = src[i]!;
    this.len = at;
    return this;
  }

  byte(value: number): this {
    this.reserve(1);
    this.buf[this.len++] = value;
    return this;
  }

  /** Appends `s` as UTF-8, as `hmac.update(s)` would (a lone surrogate becomes U+FFFD, as there). */
  text(s: string): this {
    const n = s.length;
    this.reserve(3 * n);
    const buf = this.buf;
    const start = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.len = start + buf.write(s, start, "utf8");
        return this;
      }
      buf[start + i] = c;
    }
    this.len = start + n;
    return this;
  }

  /**
   * Pads the message (SHA-256's 0x80, zeros, bit length) counting `prefix` bytes hashed before it and
   * compresses its blocks from `from` into `to`.
   */
  compressInto(prefix: number, from: Int32Array, to: Int32Array): void {
    const n = this.len;
    const padded = (n + 9 + BLOCK - 1) & -BLOCK;
    this.reserve(padded - n);
    const buf = this.buf;
    buf[n] = 0x80;
    // A loop, not buf.fill(): for a few bytes, fill's argument checks cost more than the writes.
    for (let i = n + 1; i < padded - 8; i++) buf[i] = 0;
    // The length in bits, 64-bit big-endian, byte by byte (writeUInt32BE's checks cost more than the stores).
    const bits = (prefix + n) * 8;
    const high = Math.floor(bits / 0x1_0000_0000);
    buf[padded - 8] = high >>> 24;
    buf[padded - 7] = high >>> 16;
    buf[padded - 6] = high >>> 8;
    buf[padded - 5] = high;
    buf[padded - 4] = bits >>> 24;
    buf[padded - 3] = bits >>> 16;
    buf[padded - 2] = bits >>> 8;
    buf[padded - 1] = bits;
    const view = this.view;
    load(view, 0);
    compress(from, to, w);
    for (let i = BLOCK; i < padded; i += BLOCK) {
      load(view, i);
      compress(to, to, w);
    }
  }

  private reserve(n: number): void {
    // 72: the most padding a message takes, so pad() never copies.
    const need = this.len + n + 72;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
    this.view = viewOf(next);
  }
}

/** An HMAC-SHA256 key with its pad blocks compressed, ready to MAC any number of messages. */
export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);

  constructor(key: Uint8Array) {
    // RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros.
    const k = key.length > BLOCK ? createHash("sha256").update(key).digest() : key;
    const block = Buffer.alloc(BLOCK);
    for (const [state, pad] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      for (let i = 0; i < BLOCK; i++) block[i] = (k[i] ?? 0) ^ pad;
      load(viewOf(block), 0);
      compress(IV, state, w);
    }
    block.fill(0);
  }

  /** The first `length` (≤ 32) bytes of the MAC of `input`, written to out[at..at+length). */
  digestInto(input: HashInput, out: Uint8Array, at: number, length = 32): void {
    const s = this.state;
    input.compressInto(BLOCK, this.inner, s);
    // The outer hash: the inner digest and its padding, one block (64 + 32 bytes hashed: 768 bits).
    for (let i = 0; i < 8; i++) w[i] = s[i]!;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = (BLOCK + 32) * 8;
    compress(this.outer, s, w);
    write(s, out, at, length);
  }
}

/** sha256Into's state, shared as the schedule is. */
const hashState = new Int32Array(8);

/** The first `length` (≤ 32) bytes of SHA-256 of `input`, written to out[at..at+length). */
export function sha256Into(input: HashInput, out: Uint8Array, at: number, length = 32): void {
  input.compressInto(0, IV, hashState);
  write(hashState, out, at, length);
}
