/**
 * The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards), "baseline" and
 * "restricted" profiles, as checks on one pod template: what a namespace labelled
 * pod-security.kubernetes.io/enforce=restricted refuses. Each control has its own check, named as in the
 * standard, and returns what breaks it, so a test can assert each one fails on the field it guards.
 */

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name: string; value: string }[];
}
interface Container {
  name: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContext;
}
export interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: SecurityContext;
    containers: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    volumes?: Record<string, unknown>[];
  };
}

type Check = (pod: PodTemplate, containers: Container[]) => string[];

const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

/** Each container's context, then the pod's, labelled for the message. */
function contexts(pod: PodTemplate, containers: Container[]): [string, SecurityContext | undefined][] {
  return [
    ["pod", pod.spec.securityContext],
    ...containers.map((c) => [c.name, c.securityContext] as [string, SecurityContext | undefined]),
  ];
}

const volumeType = (v: Record<string, unknown>) => Object.keys(v).find((k) => k !== "name") ?? "?";

const BASELINE: Record<string, Check> = {
  HostProcess: (pod, cs) =>
    contexts(pod, cs)
      .filter(([, sc]) => sc?.windowsOptions?.hostProcess === true)
      .map(([who]) => `${who}: windowsOptions.hostProcess`),
  "Host Namespaces": (pod) =>
    (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => pod.spec[k] === true).map((k) => `${k}: true`),
  "Privileged Containers": (_, cs) =>
    cs.filter((c) => c.securityContext?.privileged === true).map((c) => `${c.name}: privileged`),
  "Capabilities (baseline)": (_, cs) =>
    cs.flatMap((c) =>
      (c.securityContext?.capabilities?.add ?? [])
        .filter((a) => !BASELINE_CAPABILITIES.has(a))
        .map((a) => `${c.name}: adds ${a}`),
    ),
  "HostPath Volumes": (pod) =>
    (pod.spec.volumes ?? []).filter((v) => "hostPath" in v).map((v) => `volume ${String(v.name)}`),
  "Host Ports": (_, cs) =>
    cs.flatMap((c) =>
      (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0).map((p) => `${c.name}: hostPort ${p.hostPort}`),
    ),
  AppArmor: (pod, cs) => [
    ...contexts(pod, cs)
      .filter(([, sc]) => ![undefined, "RuntimeDefault", "Localhost"].includes(sc?.appArmorProfile?.type))
      .map(([who, sc]) => `${who}: appArmorProfile ${sc?.appArmorProfile?.type}`),
    ...Object.entries(pod.metadata?.annotations ?? {})
      .filter(
        ([k, v]) =>
          k.startsWith("container.apparmor.security.beta.kubernetes.io/") && !/^(runtime\/default|localhost\/)/.test(v),
      )
      .map(([k, v]) => `${k}: ${v}`),
  ],
  SELinux: (pod, cs) =>
    contexts(pod, cs)
      .filter(
        ([, o]) =>
          o?.seLinuxOptions &&
          (!SELINUX_TYPES.has(o.seLinuxOptions.type ?? "") || o.seLinuxOptions.user || o.seLinuxOptions.role),
      )
      .map(([who]) => `${who}: seLinuxOptions`),
  "/proc Mount Type": (_, cs) =>
    cs.filter((c) => ![undefined, "Default"].includes(c.securityContext?.procMount)).map((c) => `${c.name}: procMount`),
  "Seccomp (baseline)": (pod, cs) =>
    contexts(pod, cs)
      .filter(([, sc]) => sc?.seccompProfile?.type === "Unconfined")
      .map(([who]) => `${who}: seccomp Unconfined`),
  Sysctls: (pod) =>
    (pod.spec.securityContext?.sysctls ?? []).filter((s) => !SAFE_SYSCTLS.has(s.name)).map((s) => `sysctl ${s.name}`),
};

const RESTRICTED: Record<string, Check> = {
  "Volume Types": (pod) =>
    (pod.spec.volumes ?? [])
      .filter((v) => !RESTRICTED_VOLUMES.has(volumeType(v)))
      .map((v) => `volume ${String(v.name)}: ${volumeType(v)}`),
  "Privilege Escalation": (_, cs) =>
    cs
      .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
      .map((c) => `${c.name}: allowPrivilegeEscalation not false`),
  "Running as Non-root": (pod, cs) => {
    const podSays = pod.spec.securityContext?.runAsNonRoot;
    return cs
      .filter(
        (c) =>
          c.securityContext?.runAsNonRoot === false || (c.securityContext?.runAsNonRoot !== true && podSays !== true),
      )
      .map((c) => `${c.name}: runAsNonRoot not true`);
  },
  "Running as Non-root user": (pod, cs) =>
    contexts(pod, cs)
      .filter(([, sc]) => sc?.runAsUser === 0)
      .map(([who]) => `${who}: runAsUser 0`),
  "Seccomp (restricted)": (pod, cs) => {
    const ok = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
    const podType = pod.spec.securityContext?.seccompProfile?.type;
    return cs
      .filter((c) => {
        const own = c.securityContext?.seccompProfile?.type;
        return own === undefined ? !ok(podType) : !ok(own);
      })
      .map((c) => `${c.name}: no RuntimeDefault or Localhost seccomp profile`);
  },
  "Capabilities (restricted)": (_, cs) =>
    cs.flatMap((c) => {
      const caps = c.securityContext?.capabilities;
      const out = caps?.drop?.includes("ALL") ? [] : [`${c.name}: does not drop ALL`];
      return [...out, ...(caps?.add ?? []).filter((a) => a !== "NET_BIND_SERVICE").map((a) => `${c.name}: adds ${a}`)];
    }),
};

/** The controls a "restricted" namespace enforces: every baseline control and every restricted one. */
export const CONTROLS: Record<string, Check> = { ...BASELINE, ...RESTRICTED };

/** `control: what breaks it` for each violation; empty when the pod is admitted. */
export function restrictedViolations(pod: PodTemplate): string[] {
  const containers = [
    ...pod.spec.containers,
    ...(pod.spec.initContainers ?? []),
    ...(pod.spec.ephemeralContainers ?? []),
  ];
  return Object.entries(CONTROLS).flatMap(([control, check]) => check(pod, containers).map((v) => `${control}: ${v}`));
}
