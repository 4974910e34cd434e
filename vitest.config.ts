import { defineConfig } from "vitest/config";

export default defineConfig({
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
