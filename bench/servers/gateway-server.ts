import { loadConfig } from "../../src/config/load.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * The buy path on Redis alone (the composition root's test-only `redisOnly`: no RocketMQ, no MySQL),
 * configured from FLASHSALE__* variables, on ports the OS picks: what the reject-path and admission
 * benchmarks measure. Prints {"port", "opsPort"} (the public port and the ops listener's); answers {"cmd":"stats"} with the sold-out short-circuit count.
 */
const gw = await GatewayProcess.start(loadConfig(), { redisOnly: true, port: 0, opsPort: 0 });
reply({ port: gw.port, opsPort: gw.opsPort });
stdinMessages((msg: { cmd: string }) => {
  if (msg.cmd === "stats") reply({ shortCircuits: gw.soldOut.shortCircuits });
});
process.on(
  "SIGTERM",
  () =>
    void gw.close().then(
      () => process.exit(0),
      (err: Error) => (process.stderr.write(`close failed: ${err.message}\n`), process.exit(1)),
    ),
);
