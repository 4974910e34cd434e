import { createHash } from "node:crypto";

/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain JavaScript for the short messages of purchase tokens. A key's
 * inner and outer pad blocks are compressed once, at construction, so a MAC of a token (under 120 bytes)
 * costs three compressions and allocates nothing; node:crypto's createHmac costs an object, a key set-up
 * and several calls into the binding per MAC, several times as much. Only arithmetic on 32-bit words, no
 * table indexed by secret data: the time depends on the message's length alone.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const BLOCK = 64;
/** The message schedule, shared: every call runs to completion before another starts. */
const w = new Int32Array(64);

/** Reads the 16 big-endian words of the block at `at` into the schedule. */
function load(bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4)
    w[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/** One compression of the block in w[0..16) into `state`. */
function compress(state: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

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

  /** Pads the message (SHA-256's 0x80, zeros, bit length) counting `prefix` bytes hashed before it; the padded length. */
  pad(prefix: number): { bytes: Uint8Array; length: number } {
    const n = this.len;
    const padded = Math.ceil((n + 9) / BLOCK) * BLOCK;
    this.reserve(padded - n);
    const buf = this.buf;
    buf[n] = 0x80;
    // A loop, not buf.fill(): for a few bytes, fill's argument checks cost more than the writes.
    for (let i = n + 1; i < padded - 8; i++) buf[i] = 0;
    const bits = (prefix + n) * 8;
    buf.writeUInt32BE(Math.floor(bits / 0x1_0000_0000), padded - 8);
    buf.writeUInt32BE(bits >>> 0, padded - 4);
    return { bytes: buf, length: padded };
  }

  private reserve(n: number): void {
    // 72: the most padding a message takes, so pad() never copies.
    const need = this.len + n + 72;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
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
    const block = new Uint8Array(BLOCK);
    for (const [state, pad] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      for (let i = 0; i < BLOCK; i++) block[i] = (k[i] ?? 0) ^ pad;
      state.set(IV);
      load(block, 0);
      compress(state);
    }
    block.fill(0);
  }

  /** The first `length` (≤ 32) bytes of the MAC of `input`, written to out[at..at+length). */
  digestInto(input: HashInput, out: Uint8Array, at: number, length = 32): void {
    const s = this.state;
    s.set(this.inner);
    const { bytes, length: padded } = input.pad(BLOCK);
    for (let i = 0; i < padded; i += BLOCK) {
      load(bytes, i);
      compress(s);
    }
    // The outer hash: the inner digest and its padding, one block (64 + 32 bytes hashed: 768 bits).
    for (let i = 0; i < 8; i++) w[i] = s[i]!;
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = (BLOCK + 32) * 8;
    s.set(this.outer);
    compress(s);
    write(s, out, at, length);
  }
}

/** sha256Into's state, shared as the schedule is. */
const hashState = new Int32Array(8);

/** The first `length` (≤ 32) bytes of SHA-256 of `input`, written to out[at..at+length). */
export function sha256Into(input: HashInput, out: Uint8Array, at: number, length = 32): void {
  const s = hashState;
  s.set(IV);
  const { bytes, length: padded } = input.pad(0);
  for (let i = 0; i < padded; i += BLOCK) {
    load(bytes, i);
    compress(s);
  }
  write(s, out, at, length);
}
