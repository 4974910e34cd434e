import { GatewayProcess } from "./gateway-process.js";
import { configOrExit, runEntry, stopOnSignal } from "./process-entry.js";

/**
 * `npm run writer`: an order writer on its own (RocketMQ consumer → sharded MySQL, back-checks, sweeper),
 * for deployments that keep the writers off the gateways' cores (`rocketmq.consumer.enabled=false` there).
 */
runEntry("writer", async () => {
  const config = configOrExit();
  const proc = await GatewayProcess.start(config, {
    roles: { http: false, writer: true },
    opsHttp: config.rocketmq.consumer.http,
  });
  proc.log.info(
    `consuming ${config.rocketmq.orderTopic} as ${config.rocketmq.consumerGroup}; /healthz, /readyz, /health/dependencies, /metrics on ${config.rocketmq.consumer.http.host}:${proc.opsPort}`,
  );
  stopOnSignal(proc);
});
