import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configFromEnv, read, ROOT, run } from "./deploy-files.js";
import { ROOM_GAUGE_STATES } from "../../src/waiting-room/room-stats.js";

/**
 * deploy/prometheus and deploy/grafana: promtool accepts the rules and scrape configs, every alert fires on
 * the series it is meant for and stays quiet on a healthy idle deployment (promtool test rules, the files
 * of deploy/prometheus/tests/), every alert has a runbook, the scrape targets are the ports the processes
 * serve, and every metric the alerts, their tests and the dashboard name is one the source registers.
 */
const tmp = mkdtempSync(join(tmpdir(), "fs-prom-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Metric names registered in src: string literals that look like ours. */
const registered = new Set(
  sourceFiles(join(ROOT, "src")).flatMap((f) =>
    [...readFileSync(f, "utf8").matchAll(/["'`](flashsale_[a-z0-9_]+)["'`]/g)].map((m) => m[1]!),
  ),
);

/** The series names a PromQL text uses, with the histogram suffixes taken back to the metric's name. */
function metricNames(promql: string): string[] {
  return [
    ...new Set([...promql.matchAll(/\bflashsale_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""))),
  ];
}

/** Names no source file registers: what an alert or a panel would wait on forever. */
function unregistered(names: string[]): string[] {
  return names.filter((n) => !registered.has(n));
}

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(read("deploy/prometheus/alerts.yml")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

interface RuleCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[];
}
interface RuleTests {
  rule_files: string[];
  tests: { input_series: { series: string }[]; alert_rule_test?: RuleCase[] }[];
}
const ruleTestFiles = readdirSync(join(ROOT, "deploy/prometheus/tests"))
  .filter((f) => f.endsWith(".yml"))
  .map((f) => `deploy/prometheus/tests/${f}`);
const ruleTests = (file: string) => parse(read(file)) as RuleTests;
const ruleCases = (file: string) => ruleTests(file).tests.flatMap((t) => t.alert_rule_test ?? []);

/** promtool's durations as the tests write them (`90m`, `1h`, `1h30m`), in minutes. */
function minutes(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/(\d+)([hms])/g))
    total += Number(m[1]) * { h: 60, m: 1, s: 1 / 60 }[m[2] as "h" | "m" | "s"];
  return total;
}

/** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(md: string): string[] {
  return [...md.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-"),
  );
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(read("deploy/grafana/flashsale-dashboard.json")) as {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
};
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe("Prometheus rules and scrape configs", () => {
  it("promtool check rules accepts alerts.yml, and refuses a broken copy", () => {
    const ok = run("promtool", ["check", "rules", "deploy/prometheus/alerts.yml"]);
    expect(ok.status, ok.out).toBe(0);
    const broken = join(tmp, "alerts.yml");
    const expr = "max by (dependency) (max_over_time(flashsale_breaker_state[1m])) == 2";
    expect(read("deploy/prometheus/alerts.yml")).toContain(expr);
    writeFileSync(broken, read("deploy/prometheus/alerts.yml").replace(expr, expr.replace(")) ==", ") ==")));
    expect(run("promtool", ["check", "rules", broken]).status).not.toBe(0);
  });

  it("the alerts fire on the series they are about and stay quiet on an idle deployment (promtool test rules)", () => {
    const r = run("promtool", ["test", "rules", ...ruleTestFiles]);
    expect(r.status, r.out).toBe(0);
  });

  it("the rule tests catch an alert that fires when idle or stays silent without a target", () => {
    // The two faults these alerts had: the sweeper's alert read per-sale passes (none with no live sale),
    // and the gateway's had no `absent()`.
    const broken = [
      [
        'sum(increase(flashsale_sweeper_rounds_total{outcome="done"}[10m]))',
        'sum(increase(flashsale_sweeper_passes_total{outcome!="failed"}[10m]))',
        "idle.test.yml",
        "FlashsaleSweeperNotPassing",
      ],
      [
        'up{job="flashsale-gateway"} == 0 or absent(up{job="flashsale-gateway"})',
        'up{job="flashsale-gateway"} == 0',
        "availability.test.yml",
        "FlashsaleGatewayDown",
      ],
    ] as const;
    for (const [from, to, file, alert] of broken) {
      const dir = join(tmp, alert);
      mkdirSync(join(dir, "tests"), { recursive: true });
      cpSync(join(ROOT, "deploy/prometheus/tests"), join(dir, "tests"), { recursive: true });
      const text = read("deploy/prometheus/alerts.yml");
      expect(text).toContain(from);
      writeFileSync(join(dir, "alerts.yml"), text.replace(from, to));
      const r = run("promtool", ["test", "rules", join(dir, "tests", file)]);
      expect(r.status, alert).not.toBe(0);
      expect(r.out).toContain(`alertname: ${alert}`);
    }
  });

  it("every alert has a firing case and a quiet one in the idle deployment's test", () => {
    const firing = new Set<string>();
    for (const f of ruleTestFiles)
      for (const c of ruleCases(f)) if ((c.exp_alerts ?? []).length > 0) firing.add(c.alertname);
    const idle = ruleTests("deploy/prometheus/tests/idle.test.yml");
    const quietWhenIdle = new Set(
      idle.tests
        .flatMap((t) => t.alert_rule_test ?? [])
        .flatMap((c) => ((c.exp_alerts ?? []).length === 0 ? [c.alertname] : [])),
    );
    // The idle file is only idle: no case of it expects an alert.
    expect(idle.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => (c.exp_alerts ?? []).length > 0)).toEqual(
      [],
    );
    for (const r of rules) {
      expect(firing, `${r.alert} fires in no test case`).toContain(r.alert);
      expect(quietWhenIdle, `${r.alert} is not checked on the idle deployment`).toContain(r.alert);
    }
    // Checked after the longest `for` and window: an hour and a half.
    const latest = Math.max(...idle.tests.flatMap((t) => t.alert_rule_test ?? []).map((c) => minutes(c.eval_time)));
    expect(latest).toBeGreaterThanOrEqual(60);
  });

  it("the test series are metrics the source registers (or `up`)", () => {
    const names = ruleTestFiles.flatMap((f) =>
      ruleTests(f).tests.flatMap((t) => t.input_series.map((s) => s.series.replace(/\{.*$/, ""))),
    );
    expect(names).toContain("flashsale_sweeper_rounds_total");
    expect(unregistered(metricNames(names.filter((n) => n !== "up").join(" ")))).toEqual([]);
    expect(names.filter((n) => n !== "up" && !n.startsWith("flashsale_"))).toEqual([]);
  });

  it("every alert's runbook_url names a section of docs/runbooks.md", () => {
    const sections = headingAnchors(read("docs/runbooks.md"));
    for (const r of rules) {
      const url = r.annotations?.runbook_url ?? "";
      expect(url, r.alert).toBe(`docs/runbooks.md#${r.alert!.toLowerCase()}`);
      expect(sections, r.alert).toContain(url.split("#")[1]);
    }
    // The check sees a missing section.
    expect(headingAnchors("## FlashsaleWriterDown\n")).toEqual(["flashsalewriterdown"]);
    expect(sections).not.toContain("flashsalenosuchalert");
  });

  it("every alert has a severity, a summary and a description", () => {
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const r of rules) {
      expect(["critical", "warning"], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
    const names = rules.map((r) => r.alert);
    for (const a of [
      "FlashsalePersistLagHigh",
      "FlashsaleSaleDrift",
      "FlashsaleBreakerOpen",
      "FlashsaleHigh5xxRatio",
      "FlashsaleOrdersParked",
      "FlashsaleOrdersDeadLettered",
      "FlashsaleWriterDown",
      "FlashsaleGatewayDown",
      "FlashsaleSweeperNotPassing",
    ]) {
      expect(names).toContain(a);
    }
  });

  it("promtool check config accepts the compose and the Kubernetes scrape configs", () => {
    for (const f of ["prometheus.yml", "prometheus-k8s.yml"]) {
      const r = run("promtool", ["check", "config", join("deploy", "prometheus", f)]);
      expect(r.status, `${f}: ${r.out}`).toBe(0);
    }
  });

  it("scrapes the compose gateways on server.ops.port and the writer on rocketmq.consumer.http.port", () => {
    const compose = parse(run("docker-compose", ["-f", "compose.yaml", "config"]).out) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const prom = parse(read("deploy/prometheus/prometheus.yml")) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = (job: string) =>
      prom.scrape_configs.find((s) => s.job_name === job)!.static_configs.flatMap((s) => s.targets);
    const gwPort = configFromEnv(compose.services["gateway-1"]!.environment).server.ops.port;
    const writerPort = configFromEnv(compose.services["writer"]!.environment).rocketmq.consumer.http.port;
    expect(targets("flashsale-gateway").sort()).toEqual([`gateway-1:${gwPort}`, `gateway-2:${gwPort}`]);
    expect(targets("flashsale-writer")).toEqual([`writer:${writerPort}`]);
    // The alerts' `up{job=...}` match these job names (the Kubernetes config uses the same ones).
    const k8s = parse(read("deploy/prometheus/prometheus-k8s.yml")) as { scrape_configs: { job_name: string }[] };
    expect(k8s.scrape_configs.map((s) => s.job_name).sort()).toEqual(prom.scrape_configs.map((s) => s.job_name).sort());
  });
});

describe("metric names", () => {
  it("the check catches a name nobody registers", () => {
    expect(registered.size).toBeGreaterThan(5);
    expect(unregistered(["flashsale_http_requests_total", "flashsale_nobody_exports_this_total"])).toEqual([
      "flashsale_nobody_exports_this_total",
    ]);
    expect(metricNames("rate(flashsale_http_request_duration_seconds_bucket[1m])")).toEqual([
      "flashsale_http_request_duration_seconds",
    ]);
  });

  it("every metric an alert uses is registered in src", () => {
    const used = [...new Set(rules.flatMap((r) => metricNames(r.expr)))];
    expect(used.length).toBeGreaterThanOrEqual(8);
    expect(unregistered(used)).toEqual([]);
  });

  it("every metric a dashboard panel uses is registered in src", () => {
    const used = [...new Set(exprs.flatMap(metricNames))];
    expect(used.length).toBeGreaterThanOrEqual(10);
    expect(unregistered(used)).toEqual([]);
  });
});

/** The panels under the row titled `title`, up to the next row. */
function rowPanels(title: string): Panel[] {
  const at = dashboard.panels.findIndex((p) => p.type === "row" && p.title === title);
  if (at < 0) return [];
  const next = dashboard.panels.findIndex((p, i) => i > at && p.type === "row");
  return dashboard.panels.slice(at + 1, next < 0 ? undefined : next);
}

/** The route names src/http/route-table.ts gives (the `route` label of the HTTP metrics). */
const routeNames = new Set([...read("src/http/route-table.ts").matchAll(/name: "([a-z_]+)"/g)].map((m) => m[1]!));

describe("Grafana dashboard", () => {
  it("the Waiting room row charts every room metric the source registers, with real states and routes", () => {
    const panels = rowPanels("Waiting room");
    expect(panels.length).toBeGreaterThanOrEqual(4);
    const rowExprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const used = new Set(rowExprs.flatMap(metricNames));
    const roomMetrics = [...registered].filter((n) => n.startsWith("flashsale_room_"));
    expect(roomMetrics.length).toBeGreaterThanOrEqual(2);
    expect(roomMetrics.filter((n) => !used.has(n))).toEqual([]);
    expect(unregistered([...used])).toEqual([]);
    // Label values nobody gives would chart nothing, as an unregistered metric would: the buyers' states
    // (every one of them charted) and the routes.
    const labelValues = (label: string, texts: string[]) =>
      texts.flatMap((e) => [...e.matchAll(new RegExp(`${label}=~?"([^"]+)"`, "g"))].flatMap((m) => m[1]!.split("|")));
    const states = labelValues("state", rowExprs);
    expect([...states].sort()).toEqual([...ROOM_GAUGE_STATES].sort());
    const routes = labelValues("route", exprs);
    expect(routes).toContain("queue_poll");
    expect(routes.filter((r) => !routeNames.has(r))).toEqual([]);
  });

  it("is importable JSON: unique panel ids, a query per panel, the data source chosen by a variable", () => {
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.find((v) => v.name === "datasource")?.type).toBe("datasource");
    for (const p of dashboard.panels.filter((x) => x.type !== "row")) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid, p.title).toBe("${datasource}");
    }
  });
});
