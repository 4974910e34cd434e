import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // uWS and the real-server tests want plain processes, not worker threads.
    pool: "forks",
    globalSetup: ["test/setup/global-services.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ["test/**/*.test.ts"],
  },
});
