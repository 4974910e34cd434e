import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadedUws, loadUws, UWS_BUILDS, uwsBuildFor } from "../../src/http/uws.js";
import { repoRoot } from "../../src/util/repo-root.js";

/**
 * Which uWebSockets.js build serves on which Node (README "Supported platforms"): the one the support matrix
 * names, installed by npm ci, and loaded natively on the Node running this test.
 */
const pkg = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};

describe("the uWebSockets.js build for each Node", () => {
  it("Node 22 and 24 get @btc-vision/uwebsockets.js, Node 20 the trufflesuite build, others a clear refusal", () => {
    expect(uwsBuildFor("24.22.3").publishedAs).toBe("@btc-vision/uwebsockets.js");
    expect(uwsBuildFor("22.12.0").publishedAs).toBe("@btc-vision/uwebsockets.js");
    expect(uwsBuildFor("20.20.2").publishedAs).toBe("@trufflesuite/uws-js-unofficial");
    for (const v of ["18.20.0", "23.1.0", "25.0.0", "26.0.0"])
      expect(() => uwsBuildFor(v)).toThrow(
        `no uWebSockets.js build for Node ${v}: the gateway runs on Node 20, 22, 24`,
      );
  });

  it("package.json installs each build (the Node 24 one at the exact version checked) and engines says the same Node majors", () => {
    expect(pkg.dependencies["@btc-vision/uwebsockets.js"]).toBe("20.57.0");
    expect(pkg.dependencies["uWebSockets.js"]).toMatch(/^npm:@trufflesuite\/uws-js-unofficial@/);
    for (const b of UWS_BUILDS) expect(pkg.dependencies[b.module], b.module).toBeDefined();
    const majors = UWS_BUILDS.flatMap((b) => b.nodes).sort((a, b) => a - b);
    expect(pkg.engines.node).toBe(majors.join(" || "));
  });

  it("loads the native binary of this Node's build and ABI, and says which", () => {
    expect(typeof loadUws().App).toBe("function");
    expect(loadedUws()).toEqual({
      package: uwsBuildFor(process.versions.node).publishedAs,
      version: expect.stringMatching(/^20\.\d+\.\d+/),
      binary: `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
      node: process.version,
    });
  });
});
