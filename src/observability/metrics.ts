import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Aggregator } from "prom-client";
import { clusterMetricsText } from "./cluster-metrics.js";

/**
 * Prometheus metrics with a hot path that costs a few field increments. prom-client's own label children
 * hash their labels on every inc/observe (about 1 µs for a counter plus a histogram, a tenth of the sold-out
 * reject path); here the request path bumps plain numbers in pre-bound cells and prom-client reads them
 * when /metrics is scraped.
 */

/** One pre-bound counter child: the hot path does `cell.n++`. */
export interface Cell {
  n: number;
}

/** Latency buckets (seconds): the reject path answers in microseconds, a reservation in about a millisecond. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A counter whose children are cells; prom-client is given their totals at scrape time. */
export class CellCounter<L extends string> {
  private readonly cells = new Map<string, { labels: Record<L, string>; cell: Cell }>();

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const cells = this.cells;
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, cell } of cells.values()) this.inc(labels as never, cell.n);
      },
    });
  }

  /** The cell for these label values, created once; keep it and bump it. */
  cell(labels: Record<L, string>): Cell {
    const key = Object.values(labels).join("\u0000");
    let e = this.cells.get(key);
    if (!e) this.cells.set(key, (e = { labels, cell: { n: 0 } }));
    return e.cell;
  }
}

/** Per-route request counts by status and error code, and a latency histogram, all plain numbers. */
export class RouteRecorder {
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  private readonly byStatus = new Map<number, Map<string, Cell>>();

  constructor(
    readonly route: string,
    private readonly requests: CellCounter<"route" | "status" | "code">,
  ) {}

  /** One answered request; `code` is the error code ("" for a success), `seconds` its latency. */
  record(status: number, code: string, seconds: number): void {
    let byCode = this.byStatus.get(status);
    if (byCode === undefined) this.byStatus.set(status, (byCode = new Map()));
    let cell = byCode.get(code);
    if (cell === undefined)
      byCode.set(code, (cell = this.requests.cell({ route: this.route, status: String(status), code })));
    cell.n++;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** prom-client's Histogram as the registry sees it, its values read from RouteRecorders at scrape time. */
class RecordedLatency extends Histogram<"route"> {
  constructor(
    registry: Registry,
    private readonly routes: Map<string, RouteRecorder>,
  ) {
    super({
      name: "flashsale_http_request_duration_seconds",
      help: "Time from request to answer, by route",
      labelNames: ["route"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<"route">["get"]>>> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    const name = "flashsale_http_request_duration_seconds";
    for (const r of this.routes.values()) {
      if (r.count === 0) continue;
      let acc = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        acc += r.buckets[i]!;
        values.push({ labels: { route: r.route, le }, value: acc, metricName: `${name}_bucket` });
      });
      values.push({ labels: { route: r.route, le: "+Inf" }, value: r.count, metricName: `${name}_bucket` });
      values.push({ labels: { route: r.route }, value: r.sum, metricName: `${name}_sum` });
      values.push({ labels: { route: r.route }, value: r.count, metricName: `${name}_count` });
    }
    return {
      name,
      help: "Time from request to answer, by route",
      type: "histogram" as never,
      aggregator: "sum",
      values: values as never,
      collect: undefined as never,
    };
  }

  /** The registry prefers this to get() when formatting the text exposition. */
  async getForPromString(): Promise<Awaited<ReturnType<Histogram<"route">["get"]>>> {
    return this.get();
  }
}

let processRegistry: Registry | undefined;

/** Node's process metrics (CPU, memory, GC, event loop), collected once per process however many gateways run. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // Gauges named like counters fail `promtool check metrics`; the per-type series beside them
    // (nodejs_active_handles{type} ...) sum to the same numbers.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"])
      processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

/** The metrics of one gateway. */
export class Metrics {
  private readonly own = new Registry();
  private readonly routes = new Map<string, RouteRecorder>();
  private readonly requests: CellCounter<"route" | "status" | "code">;

  constructor() {
    this.requests = new CellCounter(
      this.own,
      "flashsale_http_requests_total",
      "Answered requests by route, status and error code",
      ["route", "status", "code"],
    );
    new RecordedLatency(this.own, this.routes);
  }

  /** The recorder of one route (bound once, when the route is registered). */
  route(name: string): RouteRecorder {
    let r = this.routes.get(name);
    if (!r) this.routes.set(name, (r = new RouteRecorder(name, this.requests)));
    return r;
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): CellCounter<L> {
    return new CellCounter(this.own, name, help, labelNames);
  }

  /**
   * A gauge read at scrape time: `read` calls `set` once per label combination. `aggregator` says how the
   * workers' values combine under `server.workers > 1` (sum by default; max for a state or a level that every
   * worker measures of the same thing).
   */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (set: (labels: Record<L, string>, value: number) => void) => void,
    aggregator: Aggregator = "sum",
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      aggregator,
      registers: [this.own],
      collect() {
        this.reset();
        read((labels, value) => this.set(labels as never, value));
      },
    });
  }

  /** A counter whose total lives elsewhere (read at scrape time). */
  counterFrom(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.own],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** A prom-client histogram, for per-batch, per-group and per-pass paths (not per request: use cells there). */
  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram<L>({ name, help, buckets: [...buckets], labelNames, registers: [this.own] });
  }

  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private source: (() => Promise<string>) | null = null;

  /**
   * In a worker of `server.workers > 1`: /metrics answers with every worker's metrics combined (counters and
   * histograms summed), collected by the primary (cluster-metrics.ts), whichever worker the scrape reached.
   */
  aggregateAcrossCluster(): void {
    this.source = clusterMetricsText([processMetrics(), this.own]);
  }

  /** The text exposition: this gateway's metrics and the process's (merged per scrape, as metrics may be added late). */
  text(): Promise<string> {
    return this.source ? this.source() : Registry.merge([processMetrics(), this.own]).metrics();
  }
}
