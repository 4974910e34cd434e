import { createHash } from "node:crypto";
import type { Challenge } from "../src/waiting-room/proof-of-work.js";

/**
 * Answers a waiting-room challenge in Node, as a buyer's browser would (docs/proof-of-work.md): tries
 * 0..maxnumber with node:crypto and returns the ALTCHA payload `POST /v1/sales/{saleId}/queue` takes as
 * `proof`. For tests, the demo and load generators; about a million hashes a second per core, so a crowd of
 * simulated buyers wants a small `admission.proofOfWork` floor and ceiling.
 */
export function proofFor(challenge: Challenge): string {
  if (challenge.algorithm !== "SHA-256") throw new Error(`unsupported algorithm ${String(challenge.algorithm)}`);
  const prefix = createHash("sha256").update(challenge.salt, "utf8");
  for (let n = 0; n <= challenge.maxnumber; n++) {
    if (prefix.copy().update(String(n)).digest("hex") === challenge.challenge) {
      const payload = { ...challenge, number: n };
      return Buffer.from(JSON.stringify(payload)).toString("base64");
    }
  }
  throw new Error("no number in 0..maxnumber answers this challenge");
}
