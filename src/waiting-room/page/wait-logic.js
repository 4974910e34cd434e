// The buyer page's pure parts (no DOM, no network), inlined into the page before wait-page.js and loaded
// by test/unit/wait-page-logic.test.ts in a bare VM context: what the page reads from its URL and from the
// room's answers, and what it says. Plain browser JavaScript, no modules: the page is one self-contained file.
(function (root) {
  "use strict";

  /** Sale ids as the gateway takes them (src/admission/ids.ts): anything else is refused before a request. */
  const SALE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

  /** `/wait/{saleId}` (a trailing slash or query is fine) → the sale id, or null. */
  function saleIdFromPath(pathname) {
    const m = /^\/wait\/([^/]+)\/?$/.exec(pathname);
    if (!m) return null;
    let id;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      return null;
    }
    return SALE_ID_RE.test(id) ? id : null;
  }

  /**
   * The buyer's JWT from the URL fragment (`#token=<jwt>`), and the fragment without it: the fragment never
   * reaches a server or its logs, and the page takes the token out of the address bar once read.
   */
  function tokenFromHash(hash) {
    const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
    const token = params.get("token");
    params.delete("token");
    const rest = params.toString();
    return { token: token && token.length > 0 ? token : null, rest: rest ? "#" + rest : "" };
  }

  /**
   * How long to wait before the next poll, in ms: the answer's Retry-After (delta-seconds; an HTTP date is
   * honoured too), at least `minMs`, at most `maxMs` (90 s: the first poll after the start, told within 30 s
   * before it, may be 60 s after it); `fallbackMs` when it is absent or unreadable.
   */
  function retryAfterMs(header, nowMs, opts) {
    const o = Object.assign({ minMs: 1000, maxMs: 90000, fallbackMs: 2000 }, opts || {});
    let ms = o.fallbackMs;
    if (header != null && header !== "") {
      const text = String(header).trim();
      if (/^\d+$/.test(text)) ms = Number(text) * 1000;
      else {
        const at = Date.parse(text);
        if (!Number.isNaN(at)) ms = at - nowMs;
      }
    }
    return Math.min(o.maxMs, Math.max(o.minMs, ms));
  }

  /** Whole numbers with thousands separators ("12,345"); "—" when unknown. */
  function count(n) {
    if (typeof n !== "number" || !Number.isFinite(n)) return "—";
    return Math.max(0, Math.round(n)).toLocaleString("en-US");
  }

  /** The wait estimate as a person says it. */
  function estimateText(seconds) {
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "—";
    if (seconds < 60) return "less than a minute";
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes === 1 ? "about 1 minute" : "about " + minutes + " minutes";
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return "about " + hours + " h" + (rest > 0 ? " " + rest + " min" : "");
  }

  /** The room's states the page knows; anything else is shown as an error rather than guessed at. */
  const STATES = ["WAITING", "PAUSED", "ADMITTED", "SOLD_OUT", "CLOSED"];

  /**
   * What the page shows for a poll answer (`GET /v1/sales/{saleId}/queue`'s body): a headline, a detail line
   * and the figures. `final` ends the polling.
   */
  function viewOf(answer) {
    const state = answer && STATES.includes(answer.state) ? answer.state : "UNKNOWN";
    const paused = state === "PAUSED" || (state === "WAITING" && answer.paused === true);
    const figures = {
      place: answer && typeof answer.place === "number" ? count(answer.place) : "—",
      ahead: answer && typeof answer.ahead === "number" ? count(answer.ahead) : "—",
      unitsLeft: answer && typeof answer.unitsLeft === "number" ? count(answer.unitsLeft) : "—",
      estimate: answer ? estimateText(answer.estimateSeconds) : "—",
    };
    const view = { state, final: false, figures, headline: "", detail: "" };
    if (state === "WAITING" || state === "PAUSED") {
      view.state = "WAITING";
      // The same while waiting, so the headline's live region speaks on a change of state only; the place
      // has its own live region, read out with its label when it moves.
      view.headline = "You are in the queue";
      view.detail = paused
        ? "The sale is paused for a moment. Keep this page open: you keep your place."
        : answer.place === undefined
          ? "Places are drawn at random when the sale starts. Keep this page open."
          : "Keep this page open: it moves on by itself when it is your turn.";
    } else if (state === "ADMITTED") {
      view.headline = "It is your turn";
      view.detail = "Placing your order…";
    } else if (state === "SOLD_OUT") {
      view.final = true;
      view.headline = "Sold out";
      view.detail = "Every unit has been sold. Sorry: there is nothing left to wait for.";
    } else if (state === "CLOSED") {
      view.final = true;
      if (answer.reason === "ADMISSION_EXPIRED") {
        view.headline = "Your turn has passed";
        view.detail = "You were admitted but no order came in time, so the queue moved on.";
      } else {
        view.headline = "The sale is closed";
        view.detail = "This sale has ended; the queue is closed.";
      }
    } else {
      view.final = true;
      view.headline = "Something went wrong";
      view.detail = "The queue answered in a way this page does not understand.";
    }
    return view;
  }

  /** A readable sentence for an error answer `{error: {code, message}}` (or a network failure). */
  function errorText(status, body) {
    const code = body && body.error && typeof body.error.code === "string" ? body.error.code : "";
    const message = body && body.error && typeof body.error.message === "string" ? body.error.message : "";
    const known = {
      UNAUTHENTICATED: "Your sign-in is missing or has expired. Sign in again and reopen this page.",
      SALE_NOT_FOUND: "There is no sale at this address.",
      NO_WAITING_ROOM: "This sale has no waiting room: buy from the shop's page.",
      ROOM_NOT_OPEN: "The queue is not open yet.",
      INVALID_PROOF: "The browser check failed. Reload the page to try again.",
      INVALID_TICKET: "Your place in the queue could not be confirmed.",
      INVALID_TOKEN: "Your turn to buy has expired.",
      SOLD_OUT: "Sold out: every unit has been sold.",
      LIMIT_EXCEEDED: "You have already bought as many as this sale allows.",
      SALE_NOT_LIVE: "The sale is not open right now.",
      RATE_LIMITED: "Too many requests: slowing down.",
    };
    if (known[code]) return known[code];
    if (status === 0) return "No connection to the shop. Retrying…";
    if (status >= 500) return "The shop is busy (" + status + "). Retrying…";
    return (message || "Unexpected answer") + (code ? " (" + code + ")" : " (HTTP " + status + ")");
  }

  /** Whether to ask again after this answer (busy or unreachable), rather than give up. */
  function retryable(status) {
    return status === 0 || status === 429 || status === 502 || status === 503 || status === 504;
  }

  root.flashsaleWaitLogic = {
    saleIdFromPath,
    tokenFromHash,
    retryAfterMs,
    count,
    estimateText,
    viewOf,
    errorText,
    retryable,
  };
})(typeof self !== "undefined" ? self : globalThis);
