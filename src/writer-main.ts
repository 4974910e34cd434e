import { loadConfig, ConfigError } from "./config/load.js";
import { App } from "./app.js";

/**
 * `npm run writer`: an order writer on its own (RocketMQ consumer → sharded MySQL, back-checks, sweeper),
 * for deployments that keep the writers off the gateways' cores (`rocketmq.consumer.enabled=false` there).
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
  const app = await new App(config).start({ roles: { http: false, writer: true } });
  process.stderr.write(`[writer] pid ${process.pid} consuming ${config.rocketmq.orderTopic} as ${config.rocketmq.consumerGroup}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[writer] failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
