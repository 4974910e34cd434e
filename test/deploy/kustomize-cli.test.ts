import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ROOT } from "./deploy-files.js";
import { type K8sObject, kustomizeBuild } from "./kustomize.js";

/**
 * test/deploy/kustomize.ts (what test/deploy/k8s.test.ts renders the manifests with) against kustomize itself:
 * `kubectl kustomize` renders the base and the production overlay to the same objects. kubectl is no Debian
 * or npm package, so where it is not installed this file says so and checks nothing.
 */
const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
const hasKustomize = kubectl.status === 0 && /Kustomize Version/.test(kubectl.stdout);

/** Keys in order, so two renderings compare whatever order their fields were written in. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, canonical(o[k])]),
  );
}

function byKey(objects: K8sObject[]): Map<string, unknown> {
  return new Map(
    objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`, canonical(o)] as const),
  );
}

describe.skipIf(!hasKustomize)("kustomize.ts renders as kubectl kustomize", () => {
  for (const dir of ["deploy/k8s/base", "deploy/k8s/overlays/production"]) {
    it(dir, () => {
      const r = spawnSync("kubectl", ["kustomize", dir], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      const theirs = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
      const mine = kustomizeBuild(`${ROOT}/${dir}`);
      expect(Object.fromEntries(byKey(mine))).toEqual(Object.fromEntries(byKey(theirs)));
    });
  }
});
