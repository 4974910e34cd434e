import type { RateLimits } from "../../admission/rate-limits.js";
import type { Handler, HttpReply, Req } from "../exchange.js";

/**
 * The handler behind the per-client-address limit: every route but the operations ones, the first and
 * cheapest gate (and, on operator routes, a brake on guessing the admin token). Costs nothing when limits
 * are off, not even a promise.
 */
export function ipLimited(limits: RateLimits, handler: (req: Req) => HttpReply | Promise<HttpReply>): Handler {
  return (req) => {
    limits.ipOf(req);
    return handler(req);
  };
}
