import { existsSync, readFileSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { parse, parseAllDocuments } from "yaml";

/**
 * A renderer for the part of kustomize (`kustomize build`, `kubectl kustomize`) that deploy/k8s uses, so the
 * tests check what a cluster would receive without a kustomize binary (Debian 12 packages none, and the npm
 * registry has no kustomize library). Supported, with kustomize's meaning and order (patches, namespace,
 * replicas, images, then replacements): `resources` (YAML files, and directories holding a
 * kustomization.yaml), `namespace`, `images` (newName, newTag, digest), `replicas`, `patches` (inline JSON 6902
 * patches with a kind/name target) and `replacements` (a source field copied into target fields, a number
 * kept a number). Any other field of a kustomization.yaml is refused, so a base that starts using one fails
 * its test here instead of being rendered wrongly. Where `kubectl` is installed,
 * test/deploy/kustomize-cli.test.ts compares this renderer's output with kustomize's own.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Target {
  kind?: string;
  name?: string;
}
interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { target: Target; patch: string }[];
  replacements?: {
    source: Target & { fieldPath: string };
    targets: { select: Target; fieldPaths: string[] }[];
  }[];
}

const SUPPORTED = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "resources",
  "images",
  "replicas",
  "patches",
  "replacements",
]);
/** Kinds without a namespace among those a base may hold (kustomize leaves them alone, but renames a Namespace). */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "PriorityClass",
  "StorageClass",
]);
const SCALABLE = new Set(["Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"]);

/** Where the files come from: the repository by default, or a test's own (a base with one field changed). */
export type ReadFile = (path: string) => string | undefined;

export const readFromDisk: ReadFile = (path) =>
  existsSync(path) && statSync(path).isFile() ? readFileSync(path, "utf8") : undefined;

/** `kustomize build DIR`: the objects, in the order their resources list them. */
export function kustomizeBuild(dir: string, read: ReadFile = readFromDisk): K8sObject[] {
  const text = read(join(dir, "kustomization.yaml"));
  if (text === undefined) throw new Error(`${dir}: no kustomization.yaml`);
  const k = parse(text) as Kustomization;
  for (const key of Object.keys(k))
    if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: ${key} is not implemented by kustomize.ts`);
  const objects = (k.resources ?? []).flatMap((r) => loadResource(normalize(join(dir, r)), read));
  for (const p of k.patches ?? []) applyPatch(objects, p.target, p.patch);
  if (k.namespace !== undefined) setNamespace(objects, k.namespace);
  for (const r of k.replicas ?? []) setReplicas(objects, r.name, r.count);
  for (const image of k.images ?? []) for (const o of objects) setImages(o, image);
  for (const r of k.replacements ?? []) replace(objects, r);
  return objects;
}

function loadResource(path: string, read: ReadFile): K8sObject[] {
  const text = read(path);
  if (text === undefined) return kustomizeBuild(path, read);
  return parseAllDocuments(text)
    .filter((doc) => doc.contents !== null)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject;
    });
}

function matches(o: K8sObject, t: Target): boolean {
  return (t.kind === undefined || o.kind === t.kind) && (t.name === undefined || o.metadata.name === t.name);
}

function selectOne(objects: K8sObject[], t: Target): K8sObject {
  const found = objects.filter((o) => matches(o, t));
  if (found.length !== 1) throw new Error(`${JSON.stringify(t)}: ${found.length} objects match, not 1`);
  return found[0]!;
}

function setNamespace(objects: K8sObject[], namespace: string): void {
  for (const o of objects) {
    if (o.kind === "Namespace") o.metadata.name = namespace;
    else if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
  }
}

function setReplicas(objects: K8sObject[], name: string, count: number): void {
  const found = objects.filter((o) => SCALABLE.has(o.kind) && o.metadata.name === name);
  if (found.length === 0) throw new Error(`replicas: no workload named ${name}`);
  for (const o of found) (o.spec as Record<string, unknown>).replicas = count;
}

/** `name[:tag][@digest]` → its name (a registry's port is part of the name). */
function imageName(image: string): string {
  const noDigest = image.split("@")[0]!;
  const colon = noDigest.lastIndexOf(":");
  return colon > noDigest.lastIndexOf("/") ? noDigest.slice(0, colon) : noDigest;
}

/** Every container (init and ephemeral too) anywhere in the object whose image has the entry's name. */
function setImages(node: unknown, entry: NonNullable<Kustomization["images"]>[number]): void {
  if (Array.isArray(node)) {
    for (const item of node) setImages(item, entry);
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (["containers", "initContainers", "ephemeralContainers"].includes(key) && Array.isArray(value)) {
      for (const c of value as { image?: string }[]) {
        if (c.image === undefined || imageName(c.image) !== entry.name) continue;
        const rest = c.image.slice(entry.name.length);
        const tag = entry.digest ? `@${entry.digest}` : entry.newTag ? `:${entry.newTag}` : rest;
        c.image = `${entry.newName ?? entry.name}${tag}`;
      }
    } else setImages(value, entry);
  }
}

/** RFC 6902 add / replace / remove on one object, with RFC 6901 pointers. */
function applyPatch(objects: K8sObject[], target: Target, patch: string): void {
  const ops = parse(patch) as { op: string; path: string; value?: unknown }[];
  for (const o of objects.filter((x) => matches(x, target))) {
    for (const { op, path, value } of ops) {
      const keys = path
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
      const last = keys.pop()!;
      let parent: unknown = o;
      for (const key of keys) parent = (parent as Record<string, unknown>)?.[key];
      if (parent === null || typeof parent !== "object") throw new Error(`patch ${op} ${path}: no such parent`);
      patchAt(parent as Record<string, unknown> | unknown[], last, op, value, path);
    }
  }
}

function patchAt(parent: Record<string, unknown> | unknown[], key: string, op: string, value: unknown, path: string) {
  const exists = Array.isArray(parent) ? Number(key) < parent.length : key in parent;
  if ((op === "replace" || op === "remove") && !exists) throw new Error(`patch ${op} ${path}: nothing there`);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (op === "add") parent.splice(i, 0, value);
    else if (op === "replace") parent[i] = value;
    else if (op === "remove") parent.splice(i, 1);
    else throw new Error(`patch op ${op} is not implemented by kustomize.ts`);
    return;
  }
  if (op === "add" || op === "replace") parent[key] = value;
  else if (op === "remove") delete parent[key];
  else throw new Error(`patch op ${op} is not implemented by kustomize.ts`);
}

/**
 * A kustomize field path (`spec.containers.[name=app].ports.[name=http].containerPort`, `data.KEY`) walked to
 * the object holding its last field; `[k=v]` picks the list item whose k is v.
 */
function walk(o: K8sObject, fieldPath: string): { holder: Record<string, unknown>; field: string } {
  const parts = fieldPath.match(/\[[^\]]*\]|[^.]+/g) ?? [];
  const field = parts.pop()!;
  let node: unknown = o;
  for (const part of parts) {
    const sel = /^\[(.+?)=(.*)\]$/.exec(part);
    if (sel) node = (node as Record<string, unknown>[] | undefined)?.find((item) => String(item[sel[1]!]) === sel[2]);
    else node = (node as Record<string, unknown> | undefined)?.[part];
    if (node === undefined || node === null) throw new Error(`${o.kind} ${o.metadata.name}: no ${fieldPath}`);
  }
  if (!(field in (node as object))) throw new Error(`${o.kind} ${o.metadata.name}: no ${fieldPath}`);
  return { holder: node as Record<string, unknown>, field };
}

function replace(objects: K8sObject[], r: NonNullable<Kustomization["replacements"]>[number]): void {
  const src = walk(selectOne(objects, r.source), r.source.fieldPath);
  const value = src.holder[src.field];
  for (const t of r.targets) {
    const found = objects.filter((o) => matches(o, t.select));
    if (found.length === 0) throw new Error(`replacement: nothing matches ${JSON.stringify(t.select)}`);
    for (const o of found) {
      for (const fp of t.fieldPaths) {
        const { holder, field } = walk(o, fp);
        // As kustomize: the target field keeps its type ("8080" into a port is the number 8080).
        const kept = typeof holder[field] === "number" ? Number(value) : String(value);
        if (typeof kept === "number" && !Number.isFinite(kept)) throw new Error(`${fp}: ${String(value)} is no number`);
        holder[field] = kept;
      }
    }
  }
}
