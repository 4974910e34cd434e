import { loadUws } from "../../src/http/uws.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * The reject path's baseline: the same uWebSockets.js build answering every request at once with a small
 * JSON 409, no routing parameters, no body read, no JSON work. Prints {"port"} once listening.
 */
const BODY = JSON.stringify({ error: { code: "SOLD_OUT", message: "no stock left for this request" } });

const uws = loadUws();
const app = uws.App();
app.any("/*", (res) => {
  res.writeStatus("409 Conflict").writeHeader("content-type", "application/json").end(BODY);
});
app.listen("127.0.0.1", 0, (sock) => {
  if (!sock) throw new Error("uws-hello: cannot listen");
  reply({ port: uws.us_socket_local_port(sock) });
});
stdinMessages(() => {});
process.on("SIGTERM", () => process.exit(0));
