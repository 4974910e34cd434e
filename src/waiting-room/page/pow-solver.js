/*
 * The buyer page's proof-of-work solver: finds the number of an ALTCHA challenge (SHA-256 only) with Web
 * Crypto and builds the payload `POST /v1/sales/{saleId}/queue` takes as `proof`. No dependencies; a plain
 * script: loaded by a <script> tag it defines `globalThis.PowSolver`; loaded as a Worker it also answers
 * `postMessage(challenge)` with `{ number, took }` (or `{ error }`). docs/proof-of-work.md has the format.
 */
(function (root) {
  "use strict";

  // Digests in flight at once: one await per hash would leave Web Crypto idle between calls.
  const BATCH = 64;
  const encoder = new TextEncoder();

  function hexBytes(hex) {
    if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) throw new Error("challenge: expected 64 hex digits");
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    return out;
  }

  function equal(digest, target) {
    const d = new Uint8Array(digest);
    for (let i = 0; i < 32; i++) if (d[i] !== target[i]) return false;
    return true;
  }

  /** salt's UTF-8 bytes followed by the decimal digits of n: what the server hashed. */
  function message(prefix, n) {
    const digits = String(n);
    const m = new Uint8Array(prefix.length + digits.length);
    m.set(prefix);
    for (let i = 0; i < digits.length; i++) m[prefix.length + i] = digits.charCodeAt(i);
    return m;
  }

  function now() {
    return typeof performance === "undefined" ? Date.now() : performance.now();
  }

  /**
   * Tries 0, 1, 2, … up to challenge.maxnumber; resolves `{ number, took }` (took in ms), or null when no
   * number matches (a challenge that was not made for this solver). `signal` (an AbortSignal) stops it.
   */
  async function solve(challenge, signal) {
    if (!challenge || challenge.algorithm !== "SHA-256") throw new Error("algorithm: only SHA-256 is supported");
    const target = hexBytes(challenge.challenge);
    const prefix = encoder.encode(String(challenge.salt));
    const max = Number.isSafeInteger(challenge.maxnumber) ? challenge.maxnumber : 1e6;
    const subtle = root.crypto.subtle;
    const started = now();
    for (let from = 0; from <= max; from += BATCH) {
      if (signal && signal.aborted) throw new Error("aborted");
      const count = Math.min(BATCH, max - from + 1);
      const digests = [];
      for (let i = 0; i < count; i++) digests.push(subtle.digest("SHA-256", message(prefix, from + i)));
      const done = await Promise.all(digests);
      for (let i = 0; i < count; i++) {
        if (equal(done[i], target)) return { number: from + i, took: Math.round(now() - started) };
      }
    }
    return null;
  }

  /** The ALTCHA payload of a solved challenge: base64 of its JSON. */
  function payload(challenge, solution) {
    const json = JSON.stringify({
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      number: solution.number,
      salt: challenge.salt,
      signature: challenge.signature,
      took: solution.took,
    });
    // The salt may hold percent-encoded bytes only (ASCII), so btoa's Latin-1 rule holds.
    return root.btoa(json);
  }

  /** solve() in a Worker started from scriptUrl (this file's URL), so the page stays responsive. */
  function solveInWorker(challenge, scriptUrl) {
    return new Promise(function (resolve, reject) {
      const worker = new root.Worker(scriptUrl);
      worker.onmessage = function (e) {
        worker.terminate();
        if (e.data && e.data.error) reject(new Error(e.data.error));
        else resolve(e.data);
      };
      worker.onerror = function (e) {
        worker.terminate();
        reject(new Error(e.message || "worker failed"));
      };
      worker.postMessage(challenge);
    });
  }

  root.PowSolver = { solve: solve, payload: payload, solveInWorker: solveInWorker };

  const inWorker = typeof root.WorkerGlobalScope !== "undefined" && root instanceof root.WorkerGlobalScope;
  if (inWorker) {
    root.onmessage = function (e) {
      solve(e.data).then(
        function (s) {
          root.postMessage(s === null ? { error: "no solution" } : s);
        },
        function (err) {
          root.postMessage({ error: String((err && err.message) || err) });
        },
      );
    };
  }
})(globalThis);
