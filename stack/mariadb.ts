import type { Service } from "./service.js";

// Placeholder until the mariadb stack lands: assumes the service is already running.
export const mariadb: Service = { name: "mariadb", async up() { return []; } };
