import cluster from "node:cluster";
import { loadConfig, ConfigError } from "./config/load.js";
import { App } from "./app.js";

/**
 * `npm start`: validates the config, then runs `server.workers` gateway processes sharing the port
 * (uWS listens with SO_REUSEPORT on Linux, so the kernel spreads connections over them).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  if (cluster.isPrimary && config.server.workers > 1) {
    for (let i = 0; i < config.server.workers; i++) cluster.fork();
    cluster.on("exit", (w, code, sig) => {
      process.stderr.write(`[gateway] worker ${w.process.pid} exited (${sig ?? code})\n`);
      if (!shuttingDown) cluster.fork();
    });
    let shuttingDown = false;
    const stop = () => {
      shuttingDown = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      setTimeout(() => process.exit(0), 2000).unref();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    return;
  }
  const crashAt = process.env.FLASHSALE_FAULT as "after-half" | "after-reserve" | undefined;
  const app = await new App(config).start({ crashAt });
  process.stderr.write(`[gateway] pid ${process.pid} listening on ${config.server.host}:${app.port}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[gateway] failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
