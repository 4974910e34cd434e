import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/http/openapi.js";
import { CLIENT_TYPES_FILE, clientTypes } from "../../support/client-types.js";

/**
 * The storefront client's types are generated from the gateway's OpenAPI document (support/client-types.ts,
 * `npm run client:types`). The check regenerates them from the document as it is now: a document changed
 * without regenerating, or a hand edit of the generated file, fails here.
 */
describe("the storefront client's generated types", () => {
  it("are what `npm run client:types` writes from the current document", async () => {
    const committed = readFileSync(CLIENT_TYPES_FILE, "utf8");
    expect(
      committed === (await clientTypes()),
      "packages/client/src/openapi.ts is stale: run `npm run client:types`",
    ).toBe(true);
  });

  it("follow the document: a field added to the sale view changes them", async () => {
    // A copy: the document is built once per process and shared.
    const doc = structuredClone(openApiDocument()) as {
      components: { schemas: Record<string, { properties?: object }> };
    };
    const sale = doc.components.schemas.Sale!;
    sale.properties = { ...sale.properties, giftWrap: { type: "boolean" } };
    const changed = await clientTypes(doc);
    expect(changed).not.toBe(readFileSync(CLIENT_TYPES_FILE, "utf8"));
    expect(changed).toMatch(/\n {6}giftWrap\?: boolean;\n/);
  });
});
