import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

/**
 * /metrics across `server.workers > 1`. The workers share the ops port (`server.ops`, SO_REUSEPORT like the
 * public one), so a scrape reaches one of them at
 * random; alone, each would show its own share of the counts. The worker the scrape reached asks the
 * primary over the cluster's IPC channel; the primary collects every worker's metrics with prom-client's
 * AggregatorRegistry (counters and histograms summed, gauges by their own aggregator) and sends the text
 * back. The primary runs no HTTP server: the scrape target stays the gateway's ops port.
 */

const REQUEST = "flashsale:cluster-metrics-req";
const REPLY = "flashsale:cluster-metrics-res";
/** prom-client gives up on a silent worker after 5 s; the asking worker waits a little longer. */
const TIMEOUT_MS = 6000;

interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers each worker's request with the aggregate of all workers' metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, msg: { type?: string; id: number }) => {
    if (msg?.type !== REQUEST) return;
    void aggregator
      .clusterMetrics()
      .then(
        (text) => ({ text }),
        (err: Error) => ({ error: err.message }),
      )
      .then((r) => {
        if (worker.isConnected()) worker.send({ type: REPLY, id: msg.id, ...r } satisfies Reply);
      });
  });
}

/**
 * In a worker, first thing: answers the primary's collection at once (with nothing until the gateway has
 * started), so a starting worker does not hold up every scrape for prom-client's 5 s timeout.
 */
export function answerClusterMetrics(): void {
  // Constructing one installs prom-client's worker-side listener for the primary's requests (once).
  new AggregatorRegistry();
}

/**
 * In a worker, after answerClusterMetrics: these registries answer the primary's collection, and the
 * function returned gives the aggregate text (it rejects when the primary does not answer, and the scrape
 * fails rather than showing one worker's numbers as if they were all).
 */
export function clusterMetricsText(registries: Registry[]): () => Promise<string> {
  AggregatorRegistry.setRegistries(registries);
  const waiting = new Map<
    number,
    { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }
  >();
  let next = 0;
  process.on("message", (msg: Reply) => {
    if (msg?.type !== REPLY) return;
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    clearTimeout(w.timer);
    if (msg.text !== undefined) w.resolve(msg.text);
    else w.reject(new Error(`cluster metrics: ${msg.error ?? "no answer"}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("cluster metrics: the primary did not answer"));
      }, TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      process.send!({ type: REQUEST, id });
    });
}
