/**
 * `npm run openapi`: prints the gateway's OpenAPI 3.1 document (the one GET /openapi.json serves) without
 * starting anything, for client generators and API linters in a build.
 */
import { openApiDocument } from "./openapi.js";

process.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`);
