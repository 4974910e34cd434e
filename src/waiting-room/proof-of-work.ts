import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The proof of work a buyer shows to join a sale's waiting room, in ALTCHA's format (the classic "v1"
 * challenge of altcha-lib and the ALTCHA widget; docs/proof-of-work.md):
 *   challenge = sha256hex(salt + number), signature = hmacSha256hex(key, challenge),
 * with a secret number in 0..maxnumber the client finds by trying them all. The salt carries the binding:
 * `<24 hex>?sale=<saleId>&buyer=<buyerId>&expires=<unix s>&`; since the challenge hashes the salt and the
 * signature covers the challenge, no field of the salt can be changed without the signature failing.
 *
 * Implemented here with node:crypto rather than by calling altcha-lib, whose functions are asynchronous
 * (Web Crypto, a key import per call) and read Date.now(): these are synchronous, take the clock from
 * their caller and reuse one HMAC key. test/unit/proof-of-work.test.ts holds them to altcha-lib's format
 * both ways. No I/O.
 */
export interface Challenge {
  algorithm: "SHA-256";
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

export type ProofRefusal =
  /** Not base64 of a JSON object with the ALTCHA fields, or too long. */
  | "malformed"
  /** An algorithm other than SHA-256. */
  | "unsupported_algorithm"
  /** The signature is not ours for this challenge. */
  | "forged"
  /** sha256(salt + number) is not the challenge. */
  | "wrong_answer"
  | "other_sale"
  | "other_buyer"
  | "expired";

export type ProofVerdict = { ok: true } | { ok: false; reason: ProofRefusal };

/** The difficulty policy: maxnumber from floor to ceiling, doubling with each doubling of demand ÷ stock. */
export interface DifficultyPolicy {
  /** maxnumber while demand ≤ stock. */
  floor: number;
  /** the most maxnumber ever gets: what a phone solves in about a second (docs/proof-of-work.md). */
  ceiling: number;
}

export interface ProofOfWorkOptions extends DifficultyPolicy {
  /** The HMAC key (UTF-8 of this string, as ALTCHA takes it). */
  hmacKey: string;
  /** How long a challenge may be answered after it was issued. */
  challengeTtlSeconds: number;
}

/** A payload longer than this is refused before it is decoded: a real one is about 300 characters. */
export const MAX_PAYLOAD_CHARS = 2048;
const SALT_RANDOM_BYTES = 12;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * maxnumber for `demand` buyers already in the room and `stock` units left: `floor × 2^step` where
 * step = ⌈log2(demand ÷ stock)⌉ (0 while demand ≤ stock), capped at ceiling. Stock 0 (sold out, or not
 * known yet) counts as the highest ratio. The expected work is maxnumber ÷ 2 hashes.
 */
export function maxnumberFor(demand: number, stock: number, policy: DifficultyPolicy): number {
  const step = difficultyStep(demand, stock, policy);
  return Math.min(policy.ceiling, policy.floor * 2 ** step);
}

/** The curve's step (0 = floor … steps(policy) = ceiling) for a demand-to-stock ratio. */
export function difficultyStep(demand: number, stock: number, policy: DifficultyPolicy): number {
  const top = difficultySteps(policy);
  if (!(stock > 0)) return top;
  const ratio = Math.max(0, demand) / stock;
  if (!(ratio > 1)) return 0;
  return Math.min(top, Math.ceil(Math.log2(ratio)));
}

/** The number of doublings from floor to ceiling: the curve has this many steps after the floor. */
export function difficultySteps(policy: DifficultyPolicy): number {
  return Math.ceil(Math.log2(policy.ceiling / policy.floor));
}

/**
 * The key challenges are signed with: the configured one, or else one derived from the buyer-JWT secret
 * (never the secret itself, so a challenge signature can never double as a JWT signature).
 */
export function proofOfWorkKey(configured: string | null, userJwtSecret: string): string {
  if (configured !== null) return configured;
  return createHmac("sha256", userJwtSecret).update("flashsale proof of work v1").digest("hex");
}

export class ProofOfWork {
  private readonly key: Buffer;

  constructor(private readonly opts: ProofOfWorkOptions) {
    if (!(opts.floor >= 1 && opts.ceiling >= opts.floor))
      throw new Error("proof of work: expected 1 ≤ floor ≤ ceiling");
    this.key = Buffer.from(opts.hmacKey, "utf8");
  }

  /** From the config's `admission.proofOfWork`: its hmacKey, or a key derived from the buyer-JWT secret. */
  static fromConfig(
    cfg: DifficultyPolicy & { hmacKey: string | null; challengeTtlSeconds: number },
    userJwtSecret: string,
  ): ProofOfWork {
    return new ProofOfWork({ ...cfg, hmacKey: proofOfWorkKey(cfg.hmacKey, userJwtSecret) });
  }

  /** A challenge bound to this sale and buyer, expiring challengeTtlSeconds after `now` (ms). */
  challengeFor(input: { saleId: string; buyerId: string; demand: number; stock: number; now: number }): Challenge {
    const maxnumber = maxnumberFor(input.demand, input.stock, this.opts);
    const expires = Math.floor(input.now / 1000) + this.opts.challengeTtlSeconds;
    const params = new URLSearchParams({ sale: input.saleId, buyer: input.buyerId, expires: String(expires) });
    // The trailing '&' ends the salt, so the number's digits cannot be read as part of a parameter.
    const salt = `${randomBytes(SALT_RANDOM_BYTES).toString("hex")}?${params.toString()}&`;
    const number = secretNumber(maxnumber);
    const challenge = sha256hex(salt + number);
    return { algorithm: "SHA-256", challenge, maxnumber, salt, signature: this.sign(challenge) };
  }

  /** Checks an ALTCHA payload (base64 JSON) against this sale, buyer and clock (ms). */
  verifyProof(payload: string, expect: { saleId: string; buyerId: string; now: number }): ProofVerdict {
    const p = decodePayload(payload);
    if (p === null) return refuse("malformed");
    if (p.algorithm !== "SHA-256") return refuse("unsupported_algorithm");
    if (!HEX64.test(p.challenge) || !HEX64.test(p.signature)) return refuse("malformed");
    if (!timingSafeEqual(Buffer.from(p.signature, "hex"), Buffer.from(this.sign(p.challenge), "hex")))
      return refuse("forged");
    // Only now is the salt ours: it hashes, with the number, to the challenge we signed.
    if (sha256hex(p.salt + p.number) !== p.challenge) return refuse("wrong_answer");
    const params = saltParams(p.salt);
    if (params.get("sale") !== expect.saleId) return refuse("other_sale");
    if (params.get("buyer") !== expect.buyerId) return refuse("other_buyer");
    const expires = Number(params.get("expires"));
    if (!Number.isSafeInteger(expires) || expires * 1000 <= expect.now) return refuse("expired");
    return { ok: true };
  }

  private sign(challenge: string): string {
    return createHmac("sha256", this.key).update(challenge).digest("hex");
  }
}

interface Payload {
  algorithm: string;
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

function refuse(reason: ProofRefusal): ProofVerdict {
  return { ok: false, reason };
}

function sha256hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** Uniform in 0..maxnumber (inclusive, as the client searches), from the CSPRNG. */
function secretNumber(maxnumber: number): number {
  // 48 random bits: the modulo bias for maxnumber ≤ 2^32 is below 2^-16 of a step, irrelevant to the work.
  return randomBytes(6).readUIntBE(0, 6) % (maxnumber + 1);
}

function saltParams(salt: string): URLSearchParams {
  const q = salt.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : salt.slice(q + 1));
}

function decodePayload(payload: unknown): Payload | null {
  if (typeof payload !== "string" || payload.length === 0 || payload.length > MAX_PAYLOAD_CHARS) return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.algorithm !== "string" || typeof o.challenge !== "string" || typeof o.salt !== "string") return null;
  if (typeof o.signature !== "string" || typeof o.number !== "number") return null;
  if (!Number.isSafeInteger(o.number) || o.number < 0) return null;
  return { algorithm: o.algorithm, challenge: o.challenge, number: o.number, salt: o.salt, signature: o.signature };
}
