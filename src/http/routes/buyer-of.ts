import type { BuyerAuth } from "../../admission/auth.js";
import type { Req } from "../exchange.js";

/**
 * The buyer behind a request's Authorization header, noted on the request for the access log; ApiError
 * UNAUTHENTICATED otherwise. A string when decided at once (a cached token, HS256), a promise only for an
 * RS256/ES256 token seen for the first time, so the order route stays free of awaits on a hit.
 */
export function buyerOf(auth: BuyerAuth, req: Req): string | Promise<string> {
  const who = auth.userId(req.authorization);
  if (typeof who === "string") return (req.userId = who);
  return who.then((userId) => (req.userId = userId));
}
