import { App } from "./app.js";
import { configOrExit, onStopSignal, runEntry } from "./process-entry.js";

/**
 * `npm run writer`: an order writer on its own (RocketMQ consumer → sharded MySQL, back-checks, sweeper),
 * for deployments that keep the writers off the gateways' cores (`rocketmq.consumer.enabled=false` there).
 */
runEntry("writer", async () => {
  const config = configOrExit();
  const app = await new App(config).start({ roles: { http: false, writer: true } });
  process.stderr.write(`[writer] pid ${process.pid} consuming ${config.rocketmq.orderTopic} as ${config.rocketmq.consumerGroup}\n`);
  onStopSignal(() => void app.close().then(() => process.exit(0)));
});
