import type { Service } from "./service.js";

// Placeholder until the rocketmq stack lands: assumes the service is already running.
export const rocketmq: Service = { name: "rocketmq", async up() { return []; } };
