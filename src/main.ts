import cluster from "node:cluster";
import { GatewayProcess } from "./gateway-process.js";
import { answerClusterMetrics, serveClusterMetrics } from "./observability/cluster-metrics.js";
import { crashPointOf } from "./util/crash-point.js";
import { defaultLogger } from "./observability/log.js";
import { configOrExit, onStopSignal, runEntry, stopOnSignal } from "./process-entry.js";
import { checkDependencies } from "./startup-checks.js";

/**
 * `npm start`: validates the config, then runs `server.workers` gateway processes sharing the public port
 * and the ops port (uWS listens with SO_REUSEPORT on Linux, so the kernel spreads connections over them;
 * a scrape of /metrics on any worker shows all of them, src/observability/cluster-metrics.ts).
 */
runEntry("gateway", async () => {
  const config = configOrExit();
  if (cluster.isPrimary && config.server.workers > 1) {
    // Here, once, before forking: a worker that cannot start would otherwise be forked again and again.
    await checkDependencies(config, true);
    let shuttingDown = false;
    serveClusterMetrics();
    for (let i = 0; i < config.server.workers; i++) cluster.fork();
    cluster.on("exit", (w, code, sig) => {
      defaultLogger().warn({ worker: w.process.pid, exit: sig ?? code }, "worker exited");
      if (!shuttingDown) cluster.fork();
    });
    onStopSignal(() => {
      shuttingDown = true;
      // Each worker drains (see GatewayProcess.drain); the primary leaves when they all have, or at the cap.
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      cluster.on("exit", () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
      setTimeout(() => process.exit(0), config.server.drainGraceMs + config.server.drainTimeoutMs + 10_000).unref();
    });
    return;
  }
  if (cluster.isWorker) answerClusterMetrics();
  const crashAt = crashPointOf(process.env.FLASHSALE_FAULT);
  const proc = await GatewayProcess.start(config, { crashAt });
  if (cluster.isWorker) proc.metrics.aggregateAcrossCluster();
  const ops = config.server.ops;
  proc.log.info(
    { port: proc.port, opsPort: proc.opsPort },
    `listening on ${config.server.host}:${proc.port}; ops (admin, /metrics, /readyz, /healthz) on ${ops.host}:${proc.opsPort}`,
  );
  stopOnSignal(proc);
});
