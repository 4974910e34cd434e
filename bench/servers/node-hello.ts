import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { reply, stdinMessages } from "../lib/proc.js";

/** A second reference for the reject path: node:http answering the same small JSON 409. */
const BODY = JSON.stringify({ error: { code: "SOLD_OUT", message: "no stock left for this request" } });

const server = createServer((_req, res) => {
  res.writeHead(409, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => reply({ port: (server.address() as AddressInfo).port }));
stdinMessages(() => {});
process.on("SIGTERM", () => process.exit(0));
