import { createRequire } from "node:module";
import type * as UwsTypes from "uWebSockets.js";

const require = createRequire(import.meta.url);

/**
 * Loads uWebSockets.js and refuses to go on unless its native binary loaded: the npm republish we install
 * silently falls back to a slow JavaScript imitation, and nobody should serve or benchmark that by accident.
 */
export function loadUws(): typeof UwsTypes {
  const uws = require("uWebSockets.js") as typeof UwsTypes;
  const native = Object.keys(require.cache).some((p) => /uws_[a-z0-9]+_[a-z0-9]+_\d+\.node$/.test(p));
  if (!native) {
    throw new Error(
      "uWebSockets.js did not load its native binary (a JavaScript fallback would serve instead); " +
        "install a build matching this platform and Node ABI " +
        `(${process.platform}-${process.arch}, modules ${process.versions.modules})`,
    );
  }
  return uws;
}
