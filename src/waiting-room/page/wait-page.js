// The buyer page's flow (docs/waiting-room-page.md): read the sale id and the buyer's JWT, solve the
// room's proof of work, join, poll at the pace Retry-After sets, and buy with the purchase token once
// admitted. Inlined into the page after wait-logic.js; plain browser JavaScript, same-origin requests only.
(function () {
  "use strict";
  const L = self.flashsaleWaitLogic;
  const $ = (id) => document.getElementById(id);
  const root = document.documentElement;

  /** Where the page is in its flow, for people (the headline) and for tests (`<html data-state>`). */
  function setState(state) {
    root.dataset.state = state;
  }

  function show(headline, detail) {
    $("headline").textContent = headline;
    $("detail").textContent = detail || "";
  }

  function showError(text) {
    const box = $("error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function showFigures(figures) {
    $("figures").hidden = false;
    // Only what changed is written: the place's box is an aria-live region, read out (with its label) when
    // the place changes, and only then.
    for (const k of ["place", "ahead", "unitsLeft", "estimate"]) {
      const el = $("fig-" + k);
      if (el.textContent !== figures[k]) el.textContent = figures[k];
    }
  }

  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

  // The buyer's JWT: `#token=` (taken out of the address bar at once), else the storefront's hook
  // `window.flashsaleAuth`, a function answering the JWT (or a promise of it), asked before every request
  // so the storefront can hand out a fresh one.
  const fromHash = L.tokenFromHash(location.hash);
  if (fromHash.token) history.replaceState(null, "", location.pathname + location.search + fromHash.rest);

  async function jwt() {
    if (typeof self.flashsaleAuth === "function") {
      const t = await self.flashsaleAuth();
      if (typeof t === "string" && t) return t;
    }
    if (fromHash.token) return fromHash.token;
    const body = { error: { code: "UNAUTHENTICATED" } };
    throw Object.assign(new Error(L.errorText(401, body)), { status: 401, body });
  }

  /** One request to the gateway (same origin): {status, body, headers}; status 0 when there was no answer. */
  async function call(method, path, opts) {
    const o = opts || {};
    const headers = Object.assign({ authorization: "Bearer " + (await jwt()) }, o.headers || {});
    let body;
    if (o.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(o.body);
    }
    let r;
    try {
      r = await fetch(path, { method, headers, body, cache: "no-store", credentials: "omit" });
    } catch {
      return { status: 0, body: null, headers: new Headers() };
    }
    let parsed = null;
    try {
      parsed = await r.json();
    } catch {
      parsed = null;
    }
    return { status: r.status, body: parsed, headers: r.headers };
  }

  /** Asks again while the answer is retryable (busy, unreachable), after its Retry-After. */
  async function patiently(method, path, opts) {
    for (let attempt = 0; ; attempt++) {
      const r = await call(method, path, opts);
      if (!L.retryable(r.status) || attempt >= 30) return r;
      showError(L.errorText(r.status, r.body));
      await sleep(L.retryAfterMs(r.headers.get("retry-after"), Date.now(), { fallbackMs: 1000 + attempt * 500 }));
    }
  }

  function failed(r) {
    return Object.assign(new Error(L.errorText(r.status, r.body)), { status: r.status, body: r.body });
  }

  /** SHA-256 of a string, lowercase hex (Web Crypto). */
  async function sha256hex(text) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Where the page loads the proof-of-work solver from (src/http/wait-page.ts serves it). */
  const SOLVER_URL = "/wait/assets/pow-solver.js";

  /**
   * The ALTCHA solution of a challenge `{algorithm, challenge, maxnumber, salt, signature}`: the number n
   * with SHA-256(salt + n) = challenge, as `{number, took}`. The room's solver (`PowSolver`, from
   * pow-solver.js) does it in a Worker, so the page stays responsive, or in the page if no Worker starts;
   * without the solver, the page's own Web Crypto loop does.
   */
  async function solve(ch) {
    const solver = self.PowSolver;
    if (solver && typeof solver.solve === "function") {
      let found;
      try {
        found = await solver.solveInWorker(ch, SOLVER_URL);
      } catch {
        found = await solver.solve(ch);
      }
      if (!found) throw new Error("The browser check could not be solved. Reload the page to try again.");
      return found;
    }
    const started = performance.now();
    const max = typeof ch.maxnumber === "number" ? ch.maxnumber : 1e6;
    for (let n = 0; n <= max; n += 256) {
      const batch = [];
      for (let i = n; i < Math.min(n + 256, max + 1); i++) batch.push(sha256hex(ch.salt + i));
      const found = (await Promise.all(batch)).indexOf(ch.challenge);
      if (found >= 0) return { number: n + found, took: Math.round(performance.now() - started) };
    }
    throw new Error("The browser check could not be solved. Reload the page to try again.");
  }

  /** `{ticket}` after joining (a proof of work first), or the stored ticket of this tab. */
  async function join(base) {
    setState("CHECKING");
    show("Checking your browser…", "A short puzzle keeps bots out of the queue; it takes a second or two.");
    const ch = await patiently("GET", base + "/queue/challenge");
    if (ch.status !== 200) throw failed(ch);
    const c = ch.body;
    // A room without a proof of work configured says so (algorithm "none"): any non-empty proof joins.
    if (c.algorithm === "none") return joinWith(base, "none");
    const solution = await solve(c);
    const payload = {
      algorithm: c.algorithm,
      challenge: c.challenge,
      number: solution.number,
      salt: c.salt,
      signature: c.signature,
      took: solution.took,
    };
    return joinWith(base, btoa(JSON.stringify(payload)));
  }

  async function joinWith(base, proof) {
    setState("JOINING");
    show("Joining the queue…", "");
    const r = await patiently("POST", base + "/queue", { body: { proof } });
    if (r.status !== 200 && r.status !== 201) throw failed(r);
    return r.body;
  }

  /** Buys one unit with the purchase token of the admission; answers the order id. */
  async function buy(base, purchaseToken) {
    setState("BUYING");
    const r = await patiently("POST", base + "/orders", {
      headers: { "idempotency-key": purchaseToken },
      body: { quantity: 1 },
    });
    if (r.status === 202 && r.body && r.body.orderId) return r.body.orderId;
    throw failed(r);
  }

  /** Polls the queue until a final state; buys when admitted. */
  async function wait(base, saleId, ticket) {
    const key = "flashsale.ticket." + saleId;
    for (;;) {
      const r = await patiently("GET", base + "/queue", { headers: { "queue-ticket": ticket } });
      if (r.status !== 200) {
        // A ticket refused (from an older sale's tab, say) is forgotten, so that a reload joins anew.
        if (r.status === 403) sessionStorage.removeItem(key);
        throw failed(r);
      }
      showError("");
      // A pre-queue ticket comes back upgraded with its place after the start: keep the newest.
      if (typeof r.body.ticket === "string" && r.body.ticket) sessionStorage.setItem(key, (ticket = r.body.ticket));
      const view = L.viewOf(r.body);
      setState(view.state);
      show(view.headline, view.detail);
      showFigures(view.figures);
      if (view.state === "ADMITTED") return finish(base, r.body.purchaseToken);
      if (view.final) return;
      await sleep(L.retryAfterMs(r.headers.get("retry-after"), Date.now()));
    }
  }

  async function finish(base, purchaseToken) {
    try {
      const orderId = await buy(base, purchaseToken);
      $("order-id").textContent = orderId;
      $("order").hidden = false;
      // The figures were the queue's; once bought they no longer apply.
      $("figures").hidden = true;
      setState("BOUGHT");
      show("Order placed", "Your unit is reserved. Pay for it from your orders page to complete the purchase.");
    } catch (err) {
      const code = err.body && err.body.error && err.body.error.code;
      setState(code === "SOLD_OUT" ? "SOLD_OUT" : "ERROR");
      show(code === "SOLD_OUT" ? "Sold out" : "The order did not go through", err.message);
    }
  }

  async function main() {
    const saleId = L.saleIdFromPath(location.pathname);
    if (!saleId) throw Object.assign(new Error("This address names no sale."), { status: 404 });
    const base = "/v1/sales/" + encodeURIComponent(saleId);
    const key = "flashsale.ticket." + saleId;
    let ticket = sessionStorage.getItem(key);
    if (!ticket) {
      for (;;) {
        const joined = await join(base).then(
          (b) => b,
          (err) => err,
        );
        if (!(joined instanceof Error)) {
          ticket = joined.ticket;
          break;
        }
        const code = joined.body && joined.body.error && joined.body.error.code;
        if (code !== "ROOM_NOT_OPEN") throw joined;
        setState("NOT_OPEN");
        show("The queue is not open yet", "This page joins by itself as soon as it opens.");
        await sleep(5000);
      }
      sessionStorage.setItem(key, ticket);
    }
    await wait(base, saleId, ticket);
  }

  main().then(
    () => undefined,
    (err) => {
      setState("ERROR");
      show("We could not keep your place", "");
      showError(err && err.message ? err.message : String(err));
    },
  );
})();
