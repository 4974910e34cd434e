import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import type * as UwsTypes from "@btc-vision/uwebsockets.js";

const require = createRequire(import.meta.url);

/** A uWebSockets.js build from the npm registry: the name it is installed under, and the Node majors it serves. */
export interface UwsBuild {
  /** What `require` takes (the key in package.json's dependencies). */
  module: string;
  /** The `name` in the installed package's package.json (an alias installs another package under `module`). */
  publishedAs: string;
  /** Node major versions this build is chosen for (each has one ABI, the number in the binary's name). */
  nodes: readonly number[];
}

/**
 * The builds, by Node major (README "Supported platforms", docs/operations.md "Node and uWebSockets.js"):
 * - Node 22 and 24 (the image's): @btc-vision/uwebsockets.js 20.57.0, the binaries of upstream uWebSockets.js
 *   v20.57.0 republished on npm (upstream ships on GitHub only); built against glibc 2.38 (Debian 13). It has
 *   binaries for Node 20 and 25 too: 20 gets the build below (runs on Debian 12), 25 is no LTS.
 * - Node 20: @trufflesuite/uws-js-unofficial 20.30, installed as "uWebSockets.js"; glibc 2.36 (Debian 12) is
 *   enough, and no build of it exists for Node 22 or later.
 * The choice follows the Node version, not what happens to load: a build on the wrong C library fails with
 * the linker's message rather than another build serving by surprise.
 */
export const UWS_BUILDS: readonly UwsBuild[] = [
  { module: "@btc-vision/uwebsockets.js", publishedAs: "@btc-vision/uwebsockets.js", nodes: [22, 24] },
  { module: "uWebSockets.js", publishedAs: "@trufflesuite/uws-js-unofficial", nodes: [20] },
];

/** What loadUws() loaded: the package, its version, the native binary, for the start-up log line. */
export interface LoadedUws {
  package: string;
  version: string;
  /** The .node file's name: uws_<platform>_<arch>_<abi>.node. */
  binary: string;
  node: string;
}

/** The build for a Node version (`process.versions.node`), or an error naming the supported versions. */
export function uwsBuildFor(nodeVersion: string): UwsBuild {
  const major = Number(nodeVersion.split(".")[0]);
  const build = UWS_BUILDS.find((b) => b.nodes.includes(major));
  if (!build) {
    const supported = UWS_BUILDS.flatMap((b) => b.nodes).sort((a, b) => a - b);
    throw new Error(
      `no uWebSockets.js build for Node ${nodeVersion}: the gateway runs on Node ${supported.join(", ")} ` +
        "(README, Supported platforms)",
    );
  }
  return build;
}

/** The nearest package.json at or above `dir`. */
function packageJsonAbove(dir: string): { name?: string; version?: string } {
  for (let d = dir; ; d = dirname(d)) {
    const file = join(d, "package.json");
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (dirname(d) === d) return {};
  }
}

let loaded: { uws: typeof UwsTypes; info: LoadedUws } | undefined;

/**
 * Loads the uWebSockets.js build for this Node and refuses to go on unless its native binary loaded (one of
 * the npm republishes silently falls back to a slow JavaScript imitation, and nobody should serve or
 * benchmark that by accident) and came from the package chosen. Typed by the newer build's declarations,
 * which the older one's API matches for what the gateway uses (a missing parameter is `undefined`).
 */
export function loadUws(): typeof UwsTypes {
  if (loaded) return loaded.uws;
  const build = uwsBuildFor(process.versions.node);
  const uws = require(build.module) as typeof UwsTypes;
  const binary = Object.keys(require.cache).find((p) => /uws_[a-z0-9]+_[a-z0-9]+_\d+\.node$/.test(p));
  if (!binary) {
    throw new Error(
      `${build.module} did not load its native binary (a JavaScript fallback would serve instead); ` +
        "install a build matching this platform and Node ABI " +
        `(${process.platform}-${process.arch}, modules ${process.versions.modules})`,
    );
  }
  const pkg = packageJsonAbove(dirname(binary));
  if (pkg.name !== build.publishedAs) {
    throw new Error(`${build.module} loaded ${binary}, which is not from ${build.publishedAs} (found ${pkg.name})`);
  }
  loaded = {
    uws,
    info: { package: pkg.name, version: pkg.version ?? "?", binary: basename(binary), node: process.version },
  };
  return uws;
}

/** The build loadUws() loaded (it loads it first if need be). */
export function loadedUws(): LoadedUws {
  loadUws();
  return loaded!.info;
}
