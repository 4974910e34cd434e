import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  COMPOSE_ENV,
  COMPOSE_SECRETS,
  configFromEnv,
  read,
  ROOT,
  run,
  runAsync,
  sourceOfBuilt,
} from "./deploy-files.js";

/**
 * compose.yaml, checked by Debian's docker-compose (`config` needs no daemon) and by reading the resolved
 * file: the services the deployment needs, their health checks, the start order, and that every app
 * container's FLASHSALE__* variables make a valid config.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  ports?: (string | { host_ip?: string; published?: number | string; target?: number })[];
}

const tmp = mkdtempSync(join(tmpdir(), "fs-compose-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function composeConfig(file: string): { status: number | null; out: string } {
  return run("docker-compose", ["-f", file, "--project-directory", ROOT, "config"]);
}

const resolved = composeConfig(join(ROOT, "compose.yaml"));
const services = (parse(resolved.out) as { services: Record<string, Service> }).services;
const text = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join(" ") : (v ?? ""));
const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v ?? ""]));

const SERVING = [
  "redis-1",
  "redis-2",
  "redis-3",
  "redis-4",
  "redis-5",
  "redis-6",
  "rocketmq-namesrv",
  "rocketmq-broker",
  "rocketmq-proxy",
  "mysql-0",
  "mysql-1",
  "writer",
  "gateway-1",
  "gateway-2",
];
const ONE_SHOT = ["redis-cluster-init", "rocketmq-topics", "migrate"];
const APPS = ["migrate", "writer", "gateway-1", "gateway-2"];

describe("compose.yaml", () => {
  it("passes docker-compose config -q", () => {
    const r = run("docker-compose", ["-f", "compose.yaml", "config", "-q"]);
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
  });

  it("a broken copy fails the same check (an undefined dependency; an unknown key)", async () => {
    const original = read("compose.yaml");
    const brokenDep = original.replace(
      "rocketmq-broker: { condition: service_healthy }",
      "rocketmq-brokr: { condition: service_healthy }",
    );
    const brokenKey = original.replace("stop_grace_period: 30s", "stop_grace_periods: 30s");
    expect(brokenDep).not.toBe(original);
    expect(brokenKey).not.toBe(original);
    const check = (name: string, body: string) => {
      const file = join(tmp, `compose-${name}.yaml`);
      writeFileSync(file, body);
      return runAsync("docker-compose", ["-f", file, "--project-directory", ROOT, "config", "-q"]);
    };
    // The intact file from the temp folder passes: the failures are the edits, not the location.
    const [dep, key, intact] = await Promise.all([
      check("dep", brokenDep),
      check("key", brokenKey),
      check("intact", original),
    ]);
    expect(dep.status, dep.out).not.toBe(0);
    expect(key.status, key.out).not.toBe(0);
    expect(intact.status, intact.out).toBe(0);
  });

  it("has the six Redis Cluster nodes, RocketMQ, two MySQL shards, the one-shot jobs, a writer and two gateways", () => {
    expect(resolved.status).toBe(0);
    for (const name of [...SERVING, ...ONE_SHOT]) expect(Object.keys(services)).toContain(name);
  });

  it("gives every serving container a health check, and none to the one-shot jobs that would mark them unhealthy", () => {
    for (const name of SERVING) {
      const hc = services[name]!.healthcheck;
      expect(hc?.disable, name).not.toBe(true);
      expect(text(hc?.test), name).not.toBe("");
      expect(text(hc?.test), name).not.toBe("NONE");
    }
    for (const name of ONE_SHOT) {
      expect(services[name]!.restart, name).toBe("no");
      const hc = services[name]!.healthcheck;
      // From the image's HEALTHCHECK; docker-compose 1.29 writes `disable: true` as test [NONE].
      if (services[name]!.build) expect(hc?.disable === true || text(hc?.test) === "NONE", name).toBe(true);
    }
  });

  it("forms a 3 + 3 Redis Cluster and creates the configured topics with their message types", () => {
    const init = text(services["redis-cluster-init"]!.command);
    expect(init).toContain("--cluster create");
    expect(init).toContain("--cluster-replicas 1");
    for (let n = 1; n <= 6; n++) expect(text(services[`redis-${n}`]!.command)).toContain("--cluster-enabled yes");
    expect(init).toMatch(/for n in 1 2 3 4 5 6/);

    const topics = text(services["rocketmq-topics"]!.command);
    const cfg = configFromEnv(envOf(services["gateway-1"]!));
    expect(topics).toContain(`-t ${cfg.rocketmq.orderTopic} -a +message.type=TRANSACTION`);
    expect(topics).toContain(`-t ${cfg.rocketmq.eventTopic} -a +message.type=FIFO`);
    expect(topics).toContain(`-t ${cfg.rocketmq.timeoutTopic} -a +message.type=DELAY`);
    expect(text(services["rocketmq-proxy"]!.command)).toContain("mqproxy");
    expect(services["rocketmq-proxy"]!.image).toMatch(/^apache\/rocketmq:5\./);
    expect(cfg.rocketmq.endpoints).toBe("rocketmq-proxy:8081");
  });

  it("starts the writer and gateways only after the cluster, the topics and the migration are done", () => {
    for (const name of ["writer", "gateway-1", "gateway-2"]) {
      const deps = services[name]!.depends_on ?? {};
      expect(deps["redis-cluster-init"]?.condition, name).toBe("service_completed_successfully");
      expect(deps["rocketmq-topics"]?.condition, name).toBe("service_completed_successfully");
      expect(deps["migrate"]?.condition, name).toBe("service_completed_successfully");
      expect(deps["rocketmq-proxy"]?.condition, name).toBe("service_healthy");
    }
    expect(services["migrate"]!.depends_on?.["mysql-0"]?.condition).toBe("service_healthy");
    expect(services["migrate"]!.depends_on?.["mysql-1"]?.condition).toBe("service_healthy");
  });

  it("runs the migration once, as its own command, and the app containers with migrateOnStart off", () => {
    const cmd = text(services["migrate"]!.command);
    expect(cmd).toBe("node dist/src/persistence/migrate-cli.js");
    expect(sourceOfBuilt("dist/src/persistence/migrate-cli.js")).not.toBeNull();
    expect(sourceOfBuilt(text(services["writer"]!.command).replace(/^node /, ""))).not.toBeNull();
    for (const name of ["writer", "gateway-1", "gateway-2"])
      expect(configFromEnv(envOf(services[name]!)).mysql.migrateOnStart, name).toBe(false);
  });

  it("gives every app container a config that loads (production secrets replaced, cluster mode, two shards)", () => {
    for (const name of APPS) {
      const cfg = configFromEnv(envOf(services[name]!));
      expect(cfg.redis.mode, name).toBe("cluster");
      expect(
        cfg.mysql.shards.map((s) => s.host),
        name,
      ).toEqual(["mysql-0", "mysql-1"]);
    }
    // The gateways leave consuming to the writer.
    expect(configFromEnv(envOf(services["gateway-1"]!)).rocketmq.consumer.enabled).toBe(false);
    expect(configFromEnv(envOf(services["writer"]!)).rocketmq.consumer.enabled).toBe(true);
  });

  it("health-checks the gateways and the writer with the image's check, on the port each one's config serves", () => {
    // dist/src/healthcheck.js reads the port from the config (test/deploy/dockerfile.test.ts runs it).
    for (const name of ["gateway-1", "gateway-2"])
      expect(text(services[name]!.healthcheck!.test), name).toBe("CMD node dist/src/healthcheck.js gateway readyz");
    expect(text(services["writer"]!.healthcheck!.test)).toBe("CMD node dist/src/healthcheck.js writer readyz");
    expect(sourceOfBuilt("dist/src/healthcheck.js")).toBe("src/healthcheck.ts");
    const w = configFromEnv(envOf(services["writer"]!));
    expect(w.rocketmq.consumer.http.host).toBe("0.0.0.0");
  });

  describe("secrets and published ports", () => {
    const empty = join(tmp, "empty.env");
    writeFileSync(empty, "");
    /** `docker-compose config` with this environment and no .env file (a local one must not help). */
    const configWith = (env: NodeJS.ProcessEnv) =>
      runAsync("docker-compose", ["-f", "compose.yaml", "--env-file", empty, "config"], ROOT, env);
    const without = (names: string[]) =>
      Object.fromEntries(Object.entries(COMPOSE_ENV).filter(([k]) => !names.includes(k)));

    it("refuses to start without the secrets, naming each missing one; starts with them", async () => {
      const names = Object.keys(COMPOSE_SECRETS);
      const [none, ...eachMissing] = await Promise.all([
        configWith(without(names)),
        ...names.map((n) => configWith(without([n]))),
      ]);
      expect(none.status, none.out).not.toBe(0);
      expect(none.out).toMatch(/Missing mandatory value/);
      for (const [i, r] of eachMissing.entries()) {
        expect(r.status, `${names[i]} unset: ${r.out}`).not.toBe(0);
        expect(r.out, `${names[i]} unset`).toMatch(new RegExp(`Missing mandatory value.*: set ${names[i]}\\b`));
      }
      const all = await configWith(COMPOSE_ENV);
      expect(all.status, all.out).toBe(0);
      expect(all.out).not.toMatch(/change-me/);
      const cfg = configFromEnv(
        envOf((parse(all.out) as { services: Record<string, Service> }).services["gateway-1"]!),
      );
      expect(cfg.auth.userJwtSecret).toBe(COMPOSE_SECRETS.FLASHSALE_USER_JWT_SECRET);
      expect(cfg.auth.adminToken).toBe(COMPOSE_SECRETS.FLASHSALE_ADMIN_TOKEN);
      expect(cfg.payments.webhookSecret).toBe(COMPOSE_SECRETS.FLASHSALE_WEBHOOK_SECRET);
    });

    it("publishes every port on 127.0.0.1 unless FLASHSALE_BIND_ADDRESS says otherwise; the ops ports always", async () => {
      const published = (out: string) =>
        Object.entries((parse(out) as { services: Record<string, Service> }).services).flatMap(([name, s]) =>
          (s.ports ?? []).map((p) =>
            typeof p === "string"
              ? ([name, p, Number(p.split(":").at(-1)!.split("/")[0])] as const)
              : ([name, p.host_ip ?? "", Number((p as { target?: number | string }).target)] as const),
          ),
        );
      const OPS = 8090;
      const local = published(resolved.out);
      expect(local.map(([n, , target]) => `${n}${target === OPS ? " (ops)" : ""}`).sort()).toEqual([
        "gateway-1",
        "gateway-1 (ops)",
        "gateway-2",
        "gateway-2 (ops)",
        "grafana",
        "prometheus",
      ]);
      for (const [name, p] of local) expect(p, name).toMatch(/^127\.0\.0\.1(:|$)/);
      const wide = await configWith({ ...COMPOSE_ENV, FLASHSALE_BIND_ADDRESS: "10.1.2.3" });
      expect(wide.status, wide.out).toBe(0);
      for (const [name, p, target] of published(wide.out))
        expect(p, name).toMatch(target === OPS ? /^127\.0\.0\.1(:|$)/ : /^10\.1\.2\.3(:|$)/);
    });
  });
});
