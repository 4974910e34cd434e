import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { Config } from "../../src/config/schema.js";
import { configFromEnv, read, ROOT, sourceOfBuilt } from "./deploy-files.js";

/**
 * deploy/k8s/: every manifest parses; the gateway and writer have probes on the paths and ports their
 * config serves, resource limits, and a grace period longer than the drain; secrets come from a Secret;
 * every container's environment (ConfigMap + its own variables) loads as a valid config.
 */
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: EnvVar[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  } & Record<string, unknown>;
}

const DIR = join(ROOT, "deploy", "k8s");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const manifests: Manifest[] = files.flatMap((f) =>
  parseAllDocuments(read(join("deploy", "k8s", f))).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  }),
);
const find = (kind: string, name: string) => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return m;
};
const configMaps = new Map(manifests.filter((m) => m.kind === "ConfigMap").map((m) => [m.metadata.name, m.data ?? {}]));

/** Values a Secret would hold, so the config can be loaded as the pod would (the Secret is made by hand). */
const SAMPLE_SECRETS: Record<string, string> = {
  "user-jwt-secret": "k8s-sample-user-jwt-secret",
  "admin-token": "k8s-sample-admin-token-0000",
  "webhook-secret": "k8s-sample-webhook-secret",
  "mysql-shards": JSON.stringify(
    [0, 1].map((i) => ({
      host: `mysql-${i}`,
      port: 3306,
      user: "flashsale",
      password: "p",
      database: `flashsale_${i}`,
    })),
  ),
  "mysql-shards-migrate": JSON.stringify(
    [0, 1].map((i) => ({ host: `mysql-${i}`, port: 3306, user: "root", password: "p", database: `flashsale_${i}` })),
  ),
};

function envOf(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const data = configMaps.get(from.configMapRef?.name ?? "");
    if (!data) throw new Error(`${c.name}: envFrom names a ConfigMap deploy/k8s does not have`);
    Object.assign(env, data);
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      expect(ref.name).toBe("flashsale-secrets");
      const v = SAMPLE_SECRETS[ref.key];
      if (v === undefined) throw new Error(`${c.name}: unknown secret key ${ref.key}`);
      env[e.name] = v;
    } else env[e.name] = e.value ?? "";
  }
  return env;
}

function podOf(kind: string, name: string): PodSpec {
  return find(kind, name).spec!.template!.spec;
}

/** A probe's port as a number: a named port is looked up among the container's ports. */
function probePort(c: Container, p: Probe | undefined): number | undefined {
  const port = p?.httpGet?.port;
  if (typeof port === "number") return port;
  return c.ports?.find((x) => x.name === port)?.containerPort;
}

const WORKLOADS: { name: string; port: (cfg: Config) => number }[] = [
  { name: "flashsale-gateway", port: (cfg) => cfg.server.ops.port },
  { name: "flashsale-writer", port: (cfg) => cfg.rocketmq.consumer.http.port },
];

/** A manifest checked against the Kubernetes API's own schema (kubernetes-models: the OpenAPI schemas of its kinds). */
async function validateAgainstApi(m: Manifest): Promise<void> {
  const [group, version] = m.apiVersion.includes("/") ? m.apiVersion.split("/") : [undefined, m.apiVersion];
  const mod = (await import(
    group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`
  )) as Record<string, new (v: unknown) => { validate(): void }>;
  const Kind = mod[m.kind];
  if (!Kind) throw new Error(`${m.apiVersion} ${m.kind}: not a Kubernetes kind`);
  new Kind(m).validate();
}

describe("deploy/k8s", () => {
  it("parses, and holds the gateway Deployment, Service, PodDisruptionBudget, the writer Deployment, the migrate Job and a ConfigMap", () => {
    expect(files.length).toBeGreaterThan(0);
    for (const m of manifests) {
      expect(m.apiVersion, JSON.stringify(m.metadata)).toBeTruthy();
      expect(m.kind).toBeTruthy();
      expect(m.metadata?.name).toBeTruthy();
    }
    find("Deployment", "flashsale-gateway");
    find("Deployment", "flashsale-writer");
    find("Job", "flashsale-migrate");
    find("ConfigMap", "flashsale-config");
    const svc = find("Service", "flashsale-gateway");
    const pdb = find("PodDisruptionBudget", "flashsale-gateway");
    const podLabels = find("Deployment", "flashsale-gateway").spec!.template!.metadata.labels;
    // A selector that matches no pod makes the Service and the budget silently useless.
    for (const [k, v] of Object.entries({ ...(svc.spec!.selector as Record<string, string>) }))
      expect(podLabels[k]).toBe(v);
    for (const [k, v] of Object.entries(pdb.spec!.selector!.matchLabels!)) expect(podLabels[k]).toBe(v);
  });

  for (const w of WORKLOADS) {
    describe(w.name, () => {
      const pod = podOf("Deployment", w.name);
      const c = pod.containers[0]!;
      const cfg = configFromEnv(envOf(c));

      it("probes /healthz (liveness) and /readyz (readiness) on the ops port its config serves", () => {
        expect(c.livenessProbe?.httpGet?.path).toBe("/healthz");
        expect(c.readinessProbe?.httpGet?.path).toBe("/readyz");
        expect(probePort(c, c.livenessProbe)).toBe(w.port(cfg));
        expect(probePort(c, c.readinessProbe)).toBe(w.port(cfg));
      });

      it("has resource requests and limits", () => {
        expect(c.resources?.limits?.cpu).toBeTruthy();
        expect(c.resources?.limits?.memory).toBeTruthy();
        expect(c.resources?.requests?.cpu).toBeTruthy();
        expect(c.resources?.requests?.memory).toBeTruthy();
      });

      it("waits longer than the drain (server.drainGraceMs + drainTimeoutMs) before SIGKILL", () => {
        const drainSeconds = (cfg.server.drainGraceMs + cfg.server.drainTimeoutMs) / 1000;
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds);
      });

      it("runs with migrateOnStart off, production secrets from the Secret, and a command that is built", () => {
        expect(cfg.mysql.migrateOnStart).toBe(false);
        expect(cfg.redis.mode).toBe("cluster");
        const secretVars = [
          "FLASHSALE__AUTH__USERJWTSECRET",
          "FLASHSALE__AUTH__ADMINTOKEN",
          "FLASHSALE__PAYMENTS__WEBHOOKSECRET",
          "FLASHSALE__MYSQL__SHARDS",
        ];
        for (const name of secretVars)
          expect(c.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef, name).toBeDefined();
        const cmd = [...(c.command ?? []), ...(c.args ?? [])];
        expect(cmd[0]).toBe("node");
        expect(sourceOfBuilt(cmd[1]!)).not.toBeNull();
      });
    });
  }

  it("every manifest validates against the Kubernetes API schema of its kind, and a broken one does not", async () => {
    for (const m of manifests)
      await expect(validateAgainstApi(m), `${m.kind} ${m.metadata.name}`).resolves.toBeUndefined();
    // The check can fail: a probe without its port, replicas as a word, a kind the API does not have.
    const gateway = structuredClone(find("Deployment", "flashsale-gateway"));
    delete (gateway.spec!.template!.spec.containers[0]!.readinessProbe!.httpGet as { port?: unknown }).port;
    await expect(validateAgainstApi(gateway)).rejects.toThrow(/port/);
    await expect(
      validateAgainstApi({
        ...find("Deployment", "flashsale-writer"),
        spec: { ...find("Deployment", "flashsale-writer").spec, replicas: "two" },
      }),
    ).rejects.toThrow(/replicas/);
    await expect(validateAgainstApi({ ...gateway, kind: "Deploymnet" })).rejects.toThrow(/not a Kubernetes kind/);
  });

  it("keeps secrets out of the ConfigMap", () => {
    for (const [name, data] of configMaps) {
      for (const key of Object.keys(data)) expect(key, `${name}.${key}`).not.toMatch(/SECRET|TOKEN|PASSWORD|SHARDS/i);
    }
  });

  it("lets the writer, not the gateways, consume orders, and serves the writer's metrics beyond localhost", () => {
    const gw = configFromEnv(envOf(podOf("Deployment", "flashsale-gateway").containers[0]!));
    const writer = configFromEnv(envOf(podOf("Deployment", "flashsale-writer").containers[0]!));
    expect(gw.rocketmq.consumer.enabled).toBe(false);
    expect(writer.rocketmq.consumer.enabled).toBe(true);
    expect(writer.rocketmq.consumer.http.host).toBe("0.0.0.0");
  });

  it("runs the migration as a Job with the migrate CLI and DDL credentials of its own", () => {
    const pod = podOf("Job", "flashsale-migrate");
    const c = pod.containers[0]!;
    expect(["OnFailure", "Never"]).toContain(pod.restartPolicy);
    expect([...(c.command ?? []), ...(c.args ?? [])]).toEqual(["node", "dist/src/persistence/migrate-cli.js"]);
    expect(sourceOfBuilt("dist/src/persistence/migrate-cli.js")).toBe("src/persistence/migrate-cli.ts");
    expect(c.env?.find((e) => e.name === "FLASHSALE__MYSQL__SHARDS")?.valueFrom?.secretKeyRef?.key).toBe(
      "mysql-shards-migrate",
    );
    expect(c.resources?.limits?.memory).toBeTruthy();
    configFromEnv(envOf(c));
  });
});
