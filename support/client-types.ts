/**
 * `npm run client:types`: writes packages/client/src/openapi.ts, the storefront client's types, from the
 * gateway's OpenAPI document (`openApiDocument()`: what `npm run openapi` prints and GET /openapi.json
 * serves) with openapi-typescript, formatted with the repository's Prettier settings so `npm run format`
 * leaves it alone. test/unit/client-openapi-types.test.ts regenerates it and fails when the file differs:
 * change the document, run this, commit both.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import * as prettier from "prettier";
import { openApiDocument } from "../src/http/openapi.js";
import { repoRoot } from "../src/util/repo-root.js";

/** Where the generated types live; the client's src/types.ts names its public types from them. */
export const CLIENT_TYPES_FILE = join(repoRoot(), "packages", "client", "src", "openapi.ts");

const HEADER = `/**
 * Generated from the gateway's OpenAPI document (src/http/openapi.ts) by openapi-typescript:
 * \`npm run client:types\` writes it. Do not edit: test/unit/client-openapi-types.test.ts fails when this
 * file is not what the script writes now.
 */
`;

/** The text `npm run client:types` writes for `doc`. */
export async function clientTypes(doc: object = openApiDocument()): Promise<string> {
  const ast = await openapiTS(doc as OpenAPI3);
  const options = await prettier.resolveConfig(CLIENT_TYPES_FILE);
  return prettier.format(HEADER + astToString(ast), { ...options, filepath: CLIENT_TYPES_FILE });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CLIENT_TYPES_FILE, await clientTypes());
  console.log(`wrote ${relative(repoRoot(), CLIENT_TYPES_FILE)}`);
}
