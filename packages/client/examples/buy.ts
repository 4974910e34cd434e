/**
 * One buyer through the storefront client, against a running gateway:
 *   npx tsx packages/client/examples/buy.ts <saleId> [userId]
 * The gateway comes from FLASHSALE_URL (default http://127.0.0.1:8080). A real storefront gets the buyer's JWT
 * from its identity provider; this example signs one with the gateway's configured HS256 secret.
 */
import { FlashSaleClient, FlashSaleError } from "@flashsale/client";
import { signBuyerJwt } from "../../../src/admission/auth.js";
import { loadConfig } from "../../../src/config/load.js";

const [saleId, userId = `buyer-${Date.now().toString(36)}`] = process.argv.slice(2);
if (!saleId) {
  console.error("usage: npx tsx packages/client/examples/buy.ts <saleId> [userId]");
  process.exit(2);
}
const cfg = loadConfig();
const baseUrl = process.env.FLASHSALE_URL ?? `http://127.0.0.1:${cfg.server.port}`;
const shop = new FlashSaleClient({
  baseUrl,
  getToken: () => signBuyerJwt(cfg.auth.userJwtSecret, { sub: userId, exp: Math.floor(Date.now() / 1000) + 600 }),
  retry: { maxAttempts: 5, maxDelayMs: 3000 },
});

try {
  const sale = await shop.getSale(saleId);
  console.log(`${sale.saleId}: ${sale.status}, ${sale.remaining} of ${sale.stock} left`);
  const placed = await shop.placeOrder(saleId, { quantity: 1 });
  console.log(
    `order ${placed.order.orderId} ${placed.order.status} after ${placed.attempts} attempt(s), key ${placed.idempotencyKey}`,
  );
  // The answer lost? Place it again with the kept key: the same order, replayed, nothing bought twice.
  const again = await shop.placeOrder(saleId, { purchaseToken: placed.idempotencyKey, quantity: 1 });
  console.log(`again: ${again.order.orderId}, replayed ${again.replayed}`);
  console.log("read:", (await shop.getOrder(placed.order.orderId)).status);
  console.log("cancel:", (await shop.cancelOrder(placed.order.orderId)).status);
} catch (err) {
  if (!(err instanceof FlashSaleError)) throw err;
  // Typed: err.code is one of the gateway's error codes.
  console.error(
    `refused: ${err.status} ${err.code}${err.retryable ? ` (retry later, after ${err.retryAfterSeconds ?? "?"} s)` : ""}`,
  );
  process.exitCode = 1;
}
