import { randomBytes } from "node:crypto";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Config } from "../../src/config/schema.js";
import { configFromEnv, read, ROOT, sourceOfBuilt } from "./deploy-files.js";
import { kustomizeBuild, readFromDisk } from "./kustomize.js";
import { CONTROLS, type PodTemplate, restrictedViolations } from "./pod-security.js";

/**
 * deploy/k8s/: the base (deploy/k8s/base) and the example overlay (deploy/k8s/overlays/production), rendered
 * as `kustomize build` renders them (test/deploy/kustomize.ts; test/deploy/kustomize-cli.test.ts compares it
 * with kustomize's own where kubectl is installed). Every object validates against the Kubernetes API schema
 * of its kind, every pod template passes the "restricted" Pod Security Standard, image, namespace and counts
 * are set in the kustomization; the gateway and writer have probes on the paths and ports their config
 * serves, resource limits, a grace period longer than the drain, a spread across nodes and zones, a
 * disruption budget and a ServiceMonitor; secrets come from a Secret; every container's environment
 * (ConfigMap + its own variables) loads as a valid config.
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
  image?: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: EnvVar[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Spread {
  topologyKey: string;
  whenUnsatisfiable: string;
  maxSkew: number;
  labelSelector?: { matchLabels?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: { runAsUser?: number };
  topologySpreadConstraints?: Spread[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  } & Record<string, unknown>;
}

const BASE = join("deploy", "k8s", "base");
const OVERLAY = join("deploy", "k8s", "overlays", "production");
/** `kustomize build` of a folder; `files` stands in for some files' text (paths from the repository root). */
function build(dir: string, files: Record<string, string> = {}): Manifest[] {
  return kustomizeBuild(join(ROOT, dir), (path) => files[relative(ROOT, path)] ?? readFromDisk(path)) as Manifest[];
}
const manifests = build(BASE);
const production = build(OVERLAY);
const find = (kind: string, name: string) => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in deploy/k8s/base`);
  return m;
};
const configMaps = new Map(manifests.filter((m) => m.kind === "ConfigMap").map((m) => [m.metadata.name, m.data ?? {}]));

/**
 * Values a Secret would hold, so the config can be loaded as the pod would (the Secret is made by hand):
 * strong ones, since the pods run with NODE_ENV=production, which refuses placeholders and short secrets.
 */
const SAMPLE_SECRETS: Record<string, string> = {
  "user-jwt-secret": randomBytes(32).toString("base64url"),
  "admin-token": randomBytes(32).toString("base64url"),
  "webhook-secret": randomBytes(32).toString("base64url"),
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
    if (!data) throw new Error(`${c.name}: envFrom names a ConfigMap deploy/k8s/base does not have`);
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

const deployments = () => manifests.filter((m) => m.kind === "Deployment");

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

/** Custom resources: the package whose models (the CRDs' OpenAPI schemas) validate their kinds. */
const CRD_MODELS: Record<string, string> = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

/**
 * A manifest checked against the Kubernetes API's own schema (kubernetes-models: the OpenAPI schemas of its
 * kinds; @kubernetes-models/prometheus-operator: those of the Prometheus Operator's CRDs).
 */
async function validateAgainstApi(m: Manifest): Promise<void> {
  const [group, version] = m.apiVersion.includes("/") ? m.apiVersion.split("/") : [undefined, m.apiVersion];
  const from = group
    ? `${CRD_MODELS[group] ?? "kubernetes-models"}/${group}/${version}`
    : `kubernetes-models/${version}`;
  const mod = (await import(from)) as Record<string, new (v: unknown) => { validate(): void }>;
  const Kind = mod[m.kind];
  if (!Kind) throw new Error(`${m.apiVersion} ${m.kind}: not a Kubernetes kind`);
  new Kind(m).validate();
}

/** Every pod template: the Deployments' and the Job's. */
function podTemplates(objects: Manifest[]): [string, PodTemplate][] {
  return objects
    .filter((m) => m.spec?.template)
    .map((m) => [`${m.kind} ${m.metadata.name}`, m.spec!.template as unknown as PodTemplate]);
}

/** The UID the image runs as: the Dockerfile's last USER (the node images' `node` is UID 1000). */
function imageUid(): number {
  const users = [...read("Dockerfile").matchAll(/^USER\s+([^\s:]+)/gm)].map((m) => m[1]!);
  const user = users.at(-1);
  if (user === undefined) throw new Error("the Dockerfile sets no USER: the image would run as root");
  if (/^\d+$/.test(user)) return Number(user);
  if (user === "node") return 1000;
  throw new Error(`Dockerfile USER ${user}: say here which UID it is`);
}

describe("deploy/k8s", () => {
  it("renders the namespace, the gateway Deployment, Service, budget, the writer, the Job, a ConfigMap and a ServiceMonitor", () => {
    for (const m of [...manifests, ...production]) {
      expect(m.apiVersion, JSON.stringify(m.metadata)).toBeTruthy();
      expect(m.kind).toBeTruthy();
      expect(m.metadata?.name).toBeTruthy();
    }
    find("Deployment", "flashsale-gateway");
    find("Deployment", "flashsale-writer");
    find("Job", "flashsale-migrate");
    find("ConfigMap", "flashsale-config");
    find("Namespace", "flashsale");
    find("ServiceMonitor", "flashsale");
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
        // Node's flags come before the script.
        const script = cmd.slice(1).find((a) => !a.startsWith("--"));
        expect(sourceOfBuilt(script!)).not.toBeNull();
      });
    });
  }

  it("every object of base and overlay validates against the API schema of its kind, and a broken one does not", async () => {
    for (const m of [...manifests, ...production])
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
    // The ServiceMonitor too: its endpoints are a list, not one endpoint.
    const monitor = find("ServiceMonitor", "flashsale");
    await expect(
      validateAgainstApi({ ...monitor, spec: { ...monitor.spec, endpoints: { port: "metrics" } } }),
    ).rejects.toThrow(/endpoints/);
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

  describe("kustomize: image, namespace and counts in one place", () => {
    interface Kustomization {
      namespace: string;
      images: { name: string; newName: string; newTag: string }[];
      replicas: { name: string; count: number }[];
    }
    const kustomization = (dir: string) => parse(read(join(dir, "kustomization.yaml"))) as Kustomization;
    const containers = (objects: Manifest[]) =>
      podTemplates(objects).flatMap(([, t]) => t.spec.containers as unknown as Container[]);

    for (const [dir, objects] of [
      [BASE, manifests],
      [OVERLAY, production],
    ] as const) {
      it(`${dir}: every object in its namespace, every container on its image, the writer at its count`, () => {
        const k = kustomization(dir);
        for (const m of objects)
          if (m.kind === "Namespace") expect(m.metadata.name).toBe(k.namespace);
          else expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe(k.namespace);
        const image = `${k.images[0]!.newName}:${k.images[0]!.newTag}`;
        for (const c of containers(objects)) expect(c.image, c.name).toBe(image);
        const writer = objects.find((m) => m.kind === "Deployment" && m.metadata.name === "flashsale-writer")!;
        expect(writer.spec!.replicas).toBe(k.replicas.find((r) => r.name === "flashsale-writer")!.count);
      });
    }

    it("the overlay changes what a team sets (namespace, image, counts) and nothing else", () => {
      const base = kustomization(BASE);
      const prod = kustomization(OVERLAY);
      expect(prod.namespace).not.toBe(base.namespace);
      expect(prod.images[0]!.newName).not.toBe(base.images[0]!.newName);
      const hpa = (objects: Manifest[]) =>
        objects.find((m) => m.kind === "HorizontalPodAutoscaler")!.spec as { minReplicas: number; maxReplicas: number };
      expect(hpa(production).minReplicas).toBeGreaterThan(hpa(manifests).minReplicas);
      expect(hpa(production).maxReplicas).toBeGreaterThan(hpa(manifests).maxReplicas);
      const strip = (m: Manifest) => {
        const c = structuredClone(m) as Manifest & { spec?: Record<string, unknown> };
        delete c.metadata.namespace;
        if (c.kind === "Namespace") c.metadata.name = "";
        if (c.kind === "HorizontalPodAutoscaler") c.spec = {};
        if (c.metadata.name === "flashsale-writer" && c.kind === "Deployment") delete c.spec!.replicas;
        for (const container of podTemplates([c]).flatMap(([, t]) => t.spec.containers))
          delete (container as Container).image;
        return c;
      };
      expect(production.map(strip)).toEqual(manifests.map(strip));
    });

    it("leaves the gateway's count to its autoscaler (no replicas an apply would put back mid-sale)", () => {
      for (const objects of [manifests, production]) {
        const gw = objects.find((m) => m.kind === "Deployment" && m.metadata.name === "flashsale-gateway")!;
        const hpa = objects.find((m) => m.kind === "HorizontalPodAutoscaler")!;
        expect((hpa.spec!.scaleTargetRef as { name: string }).name).toBe(gw.metadata.name);
        expect(gw.spec!.replicas).toBeUndefined();
      }
    });

    it("writes each listening port once: the config's number reaches the container port the probes name", () => {
      // The gateway's probes are on its ops listener (server.ops); the public port moves its container port.
      const configmap = read(join(BASE, "configmap.yaml"))
        .replace(/FLASHSALE__SERVER__PORT: "\d+"/, 'FLASHSALE__SERVER__PORT: "9312"')
        .replace(/FLASHSALE__SERVER__OPS__PORT: "\d+"/, 'FLASHSALE__SERVER__OPS__PORT: "9310"');
      const writer = read(join(BASE, "writer.yaml")).replace(
        /(name: FLASHSALE__ROCKETMQ__CONSUMER__HTTP__PORT\s+value:) "\d+"/,
        '$1 "9311"',
      );
      const moved = build(BASE, { [join(BASE, "configmap.yaml")]: configmap, [join(BASE, "writer.yaml")]: writer });
      const podOfMoved = (name: string) =>
        moved.find((m) => m.kind === "Deployment" && m.metadata.name === name)!.spec!.template!.spec.containers[0]!;
      const gw = podOfMoved("flashsale-gateway");
      const wr = podOfMoved("flashsale-writer");
      expect(probePort(gw, gw.readinessProbe)).toBe(9310);
      expect(gw.ports?.find((p) => p.name === "http")?.containerPort).toBe(9312);
      expect(probePort(wr, wr.readinessProbe)).toBe(9311);
    });
  });

  describe('the "restricted" Pod Security Standard', () => {
    it("the namespace enforces it", () => {
      for (const objects of [manifests, production]) {
        const ns = objects.find((m) => m.kind === "Namespace")!;
        expect(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      }
    });

    it("admits every pod template of the base and the overlay, running as the image's own non-root user", () => {
      const uid = imageUid();
      expect(uid).not.toBe(0);
      const pods = [...podTemplates(manifests), ...podTemplates(production)];
      expect(pods.length).toBe(6);
      for (const [name, pod] of pods) {
        expect(restrictedViolations(pod), name).toEqual([]);
        expect(pod.spec.securityContext?.runAsUser, name).toBe(uid);
      }
    });

    // One change per control, each of which a restricted namespace refuses: every check can fail.
    const BREAKS: [string, (pod: PodTemplate) => void][] = [
      ["HostProcess", (p) => (p.spec.securityContext!.windowsOptions = { hostProcess: true })],
      ["Host Namespaces", (p) => (p.spec.hostNetwork = true)],
      ["Host Namespaces", (p) => (p.spec.hostPID = true)],
      ["Privileged Containers", (p) => (p.spec.containers[0]!.securityContext!.privileged = true)],
      ["Capabilities (baseline)", (p) => (p.spec.containers[0]!.securityContext!.capabilities!.add = ["SYS_ADMIN"])],
      ["HostPath Volumes", (p) => p.spec.volumes!.push({ name: "host", hostPath: { path: "/" } })],
      ["Host Ports", (p) => (p.spec.containers[0]!.ports = [{ hostPort: 8080 }])],
      ["AppArmor", (p) => (p.spec.securityContext!.appArmorProfile = { type: "Unconfined" })],
      ["SELinux", (p) => (p.spec.securityContext!.seLinuxOptions = { type: "spc_t" })],
      ["/proc Mount Type", (p) => (p.spec.containers[0]!.securityContext!.procMount = "Unmasked")],
      ["Seccomp (baseline)", (p) => (p.spec.containers[0]!.securityContext!.seccompProfile = { type: "Unconfined" })],
      ["Sysctls", (p) => (p.spec.securityContext!.sysctls = [{ name: "kernel.msgmax", value: "1" }])],
      ["Volume Types", (p) => p.spec.volumes!.push({ name: "nfs", nfs: { server: "nfs", path: "/" } })],
      ["Privilege Escalation", (p) => delete p.spec.containers[0]!.securityContext!.allowPrivilegeEscalation],
      ["Running as Non-root", (p) => (p.spec.containers[0]!.securityContext!.runAsNonRoot = false)],
      ["Running as Non-root user", (p) => (p.spec.securityContext!.runAsUser = 0)],
      ["Seccomp (restricted)", (p) => delete p.spec.securityContext!.seccompProfile],
      ["Capabilities (restricted)", (p) => (p.spec.containers[0]!.securityContext!.capabilities = {})],
      ["Capabilities (restricted)", (p) => (p.spec.containers[0]!.securityContext!.capabilities!.add = ["CHOWN"])],
    ];

    it("refuses a pod template that breaks any one control", () => {
      expect(new Set(BREAKS.map(([control]) => control))).toEqual(new Set(Object.keys(CONTROLS)));
      for (const [name, pod] of podTemplates(manifests)) {
        for (const [control, breakIt] of BREAKS) {
          const broken = structuredClone(pod);
          breakIt(broken);
          const violations = restrictedViolations(broken);
          expect(
            violations.map((v) => v.split(": ")[0]),
            `${name}, ${control}`,
          ).toContain(control);
        }
      }
    });
  });

  describe("scheduling and disruption", () => {
    it("spreads every Deployment across nodes (a rule) and zones, counting its own pods", () => {
      for (const d of deployments()) {
        const spread = d.spec!.template!.spec.topologySpreadConstraints ?? [];
        const on = (key: string) => spread.find((s) => s.topologyKey === key);
        expect(on("kubernetes.io/hostname")?.whenUnsatisfiable, d.metadata.name).toBe("DoNotSchedule");
        expect(on("topology.kubernetes.io/zone"), d.metadata.name).toBeDefined();
        for (const s of spread) {
          expect(s.maxSkew).toBe(1);
          expect(s.labelSelector?.matchLabels).toEqual(d.spec!.selector!.matchLabels);
        }
      }
    });

    it("gives every Deployment a PodDisruptionBudget over its own pods that lets one go at a time", () => {
      for (const d of deployments()) {
        const pdbs = manifests.filter(
          (m) =>
            m.kind === "PodDisruptionBudget" &&
            Object.entries(m.spec!.selector!.matchLabels!).every(
              ([k, v]) => d.spec!.template!.metadata.labels[k] === v,
            ),
        );
        expect(pdbs.length, d.metadata.name).toBe(1);
        expect(pdbs[0]!.spec!.maxUnavailable, d.metadata.name).toBe(1);
      }
    });
  });

  it("has a ServiceMonitor scraping /metrics of every gateway and writer on its configured port, as the alerts' jobs", () => {
    const monitor = find("ServiceMonitor", "flashsale").spec as unknown as {
      jobLabel: string;
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    const selected = manifests.filter(
      (m) =>
        m.kind === "Service" &&
        Object.entries(monitor.selector.matchLabels).every(([k, v]) => m.metadata.labels?.[k] === v),
    );
    const alerts = read("deploy/prometheus/alerts.yml");
    const scraped: string[] = [];
    for (const svc of selected) {
      const deployment = deployments().find((d) =>
        Object.entries(svc.spec!.selector as Record<string, string>).every(
          ([k, v]) => d.spec!.template!.metadata.labels[k] === v,
        ),
      )!;
      const c = deployment.spec!.template!.spec.containers[0]!;
      const cfg = configFromEnv(envOf(c));
      const want = WORKLOADS.find((w) => w.name === deployment.metadata.name)!.port(cfg);
      for (const ep of monitor.endpoints) {
        expect(ep.path).toBe("/metrics");
        const port = (svc.spec!.ports as unknown as { name: string; targetPort: string | number }[]).find(
          (p) => p.name === ep.port,
        );
        expect(port, `${svc.metadata.name} has no port ${ep.port}`).toBeDefined();
        const target = port!.targetPort;
        expect(typeof target === "number" ? target : c.ports?.find((p) => p.name === target)?.containerPort).toBe(want);
      }
      const job = svc.metadata.labels![monitor.jobLabel]!;
      expect(alerts).toContain(`job="${job}"`);
      scraped.push(deployment.metadata.name);
    }
    expect(scraped.sort()).toEqual(["flashsale-gateway", "flashsale-writer"]);
  });
});
