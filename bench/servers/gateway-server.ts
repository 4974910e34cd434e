import { loadConfig } from "../../src/config/load.js";
import { Gateway } from "../../src/gateway.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * One gateway process configured from FLASHSALE__* variables, exactly as `npm start` would be, on a port
 * the OS picks. Prints {"port"}; answers {"cmd":"stats"} with the sold-out short-circuit count.
 */
const gw = await new Gateway(loadConfig()).start(0);
reply({ port: gw.port });
stdinMessages((msg: { cmd: string }) => {
  if (msg.cmd === "stats") reply({ shortCircuits: gw.soldOut.shortCircuits });
});
process.on("SIGTERM", () => void gw.close().then(() => process.exit(0)));
