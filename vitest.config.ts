import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The storefront client from its sources, as tsx takes it from tsconfig.json's paths: no build step first.
  resolve: { alias: { "@flashsale/client": fileURLToPath(new URL("./packages/client/src/index.ts", import.meta.url)) } },
  test: {
    // uWS and the real-server tests want plain processes, not worker threads.
    pool: "forks",
    // Two files at a time on a 2-core machine: most of a durable test's time is spent waiting (brokers,
    // back-checks, sweeps), and one file at a time took ten minutes.
    maxWorkers: 2,
    minWorkers: 1,
    globalSetup: ["test/setup/global-services.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ["test/**/*.test.ts"],
  },
});
