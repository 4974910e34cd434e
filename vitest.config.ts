import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The unit tier: tests that run in the test process alone, with no server (no Redis, MariaDB, RocketMQ,
 * no cluster), no tool outside node_modules and no child process, so `npm run test:unit` runs on a fresh
 * clone in seconds. A test here may still open a socket to a server it starts itself on port 0. Files
 * outside test/unit are listed by name: they sit next to the integration tests of their folder.
 */
const UNIT = [
  "test/unit/**/*.test.ts",
  "test/persistence/order-routing.test.ts",
  "test/admission/strict-json-client-ip-and-settings.test.ts",
  "test/deploy/k8s.test.ts",
];

export default defineConfig({
  // The storefront client from its sources, as tsx takes it from tsconfig.json's paths: no build step first.
  resolve: {
    alias: { "@flashsale/client": fileURLToPath(new URL("./packages/client/src/index.ts", import.meta.url)) },
  },
  test: {
    // uWS and the real-server tests want plain processes, not worker threads.
    pool: "forks",
    // Two files at a time on a 2-core machine: most of a durable test's time is spent waiting (brokers,
    // back-checks, sweeps), and one file at a time took ten minutes. Shared by both projects.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `vitest run` with no filter runs both projects; `--project unit` is the fast tier (npm run test:unit).
    projects: [
      { extends: true, test: { name: "unit", include: UNIT } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: UNIT,
          // Only this project starts the six-node cluster, and vitest runs a project's global setup only
          // when some of its files are selected: `vitest run test/unit` starts nothing.
          globalSetup: ["test/setup/global-services.ts"],
        },
      },
    ],
  },
});
