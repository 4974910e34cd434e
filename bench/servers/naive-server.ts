import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { BuyerAuth } from "../../src/admission/auth.js";
import { jsonObject, positiveInt } from "../../src/admission/body.js";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { loadConfig } from "../../src/config/load.js";
import { ApiError } from "../../src/errors.js";
import { errorReply, route, type HttpReply, type Req } from "../../src/http/exchange.js";
import { loadUws } from "../../src/http/uws.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * The naive design end-to-end compares against: the order handler a team would otherwise write, with the
 * stock in MySQL. Per request, one MySQL transaction:
 *
 *   START TRANSACTION
 *   UPDATE naive_stock SET stock = stock - ? WHERE id = ? AND stock >= ?     -- row-locked decrement
 *   (0 rows: ROLLBACK, 409 SOLD_OUT)
 *   INSERT INTO naive_orders (...)                                          -- UNIQUE (sale_id, user_id)
 *   (duplicate key: ROLLBACK, 409 LIMIT_EXCEEDED: the per-buyer limit of 1)
 *   COMMIT, 202
 *
 * so its "202 → row" lag is zero by construction. Everything around the storage is the gateway's own, to
 * isolate the design: the same uWebSockets.js build and request glue (src/http/exchange.ts route()), the
 * same buyer JWT check (BuyerAuth) and purchase-token MAC check, the same strict body parsing. mysql2 pool
 * of POOL connections, prepared statements. Database from NAIVE_DB; prints {"port"}.
 */
const POOL = Number(process.env.NAIVE_POOL ?? 16);
const cfg = loadConfig();
const shard = cfg.mysql.shards[0]!;
const pool = mysql.createPool({
  host: shard.host,
  port: shard.port,
  user: shard.user,
  password: shard.password,
  database: process.env.NAIVE_DB,
  connectionLimit: POOL,
  timezone: "Z",
  charset: "utf8mb4",
  flags: ["-FOUND_ROWS"],
});
const auth = new BuyerAuth(cfg.auth.userJwtSecret, cfg.auth.clockSkewSeconds);
const tokens = new PurchaseTokens(cfg.auth.userJwtSecret);
const FIELDS: ReadonlySet<string> = new Set(["quantity"]);
const ER_DUP_ENTRY = 1062;

function soldOut(): HttpReply {
  return errorReply(new ApiError("SOLD_OUT", "no stock left for this request"));
}

async function placeOrder(req: Req): Promise<HttpReply> {
  const userId = await auth.userId(req.authorization);
  const saleId = req.params[0]!;
  if (!tokens.verify(req.idempotencyKey, saleId, userId, Date.now()).ok)
    throw new ApiError("INVALID_TOKEN", "purchase token is not valid for this buyer and sale");
  const body = jsonObject(req.body, req.contentType, FIELDS);
  const quantity = body.quantity === undefined ? 1 : positiveInt(body.quantity, "quantity", 10_000);
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [u] = await conn.execute<mysql.ResultSetHeader>(
      "UPDATE naive_stock SET stock = stock - ? WHERE id = ? AND stock >= ?",
      [quantity, saleId, quantity],
    );
    if (u.affectedRows === 0) {
      await conn.rollback();
      return soldOut();
    }
    const orderId = `${saleId}.${randomBytes(8).toString("hex")}`;
    try {
      await conn.execute(
        "INSERT INTO naive_orders (order_id, sale_id, user_id, quantity, created_at, updated_at) VALUES (?, ?, ?, ?, NOW(3), NOW(3))",
        [orderId, saleId, userId, quantity],
      );
    } catch (err) {
      if ((err as { errno?: number }).errno !== ER_DUP_ENTRY) throw err;
      await conn.rollback();
      return {
        status: 409,
        body: { error: { code: "LIMIT_EXCEEDED", message: "this buyer's per-sale limit would be exceeded" } },
      };
    }
    await conn.commit();
    return { status: 202, body: { orderId, saleId, userId, quantity, status: "CONFIRMED" } };
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

const uws = loadUws();
const app = uws.App();
route(
  app,
  "post",
  "/v1/sales/:saleId/orders",
  "naive_order",
  placeOrder,
  {
    maxBodyBytes: cfg.server.maxBodyBytes,
    onError: (err) => process.stderr.write(`[naive-server] ${(err as Error)?.stack ?? String(err)}\n`),
  },
  { idempotencyKey: true },
);
app.listen("127.0.0.1", 0, (sock) => {
  if (!sock) throw new Error("naive-server: cannot listen");
  reply({ port: uws.us_socket_local_port(sock) });
});
stdinMessages(() => {});
process.on("SIGTERM", () => void pool.end().finally(() => process.exit(0)));
