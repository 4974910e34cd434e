import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS, type ErrorCode } from "../../src/errors.js";
import { openApiDocument, openApiPath } from "../../src/http/openapi.js";
import { ROUTES } from "../../src/http/route-table.js";
import { repoRoot } from "../../src/util/repo-root.js";
import { documentedCodes, operations, type Doc } from "../helpers/openapi-doc.js";

/**
 * The OpenAPI document as built, against the route table and the error registry: no gateway needed. That
 * the gateway serves this document and answers as it says is test/http/openapi.test.ts.
 */
describe("OpenAPI document, as built", () => {
  const doc: Doc = openApiDocument();

  it("documents exactly the route table, one operation per route, named as in metrics", () => {
    const documented = operations(doc)
      .map(({ method, path, op }) => `${method} ${path} ${op.operationId}`)
      .sort();
    const table = ROUTES.map((r) => `${r.method} ${openApiPath(r.path)} ${r.name}`).sort();
    expect(documented).toEqual(table);
    expect(new Set(table.map((t) => t.split(" ")[2])).size).toBe(ROUTES.length);
    // The server registers the table and, besides it, only the catch-alls (CORS preflight, not found).
    const server = readFileSync(join(repoRoot(), "src/http/server.ts"), "utf8");
    const literal = [...server.matchAll(/route\(app, "(\w+)", "([^"]+)", "(\w+)"/g)].map(
      (m) => `${m[1]} ${m[2]} ${m[3]}`,
    );
    expect(literal.sort()).toEqual(["any /* not_found", "options /* cors_preflight"]);
    expect(server).toMatch(/for \(const r of ROUTES\b/);
  });

  it("names every registry code with the registry's status, and no other code", () => {
    const named = documentedCodes(doc);
    for (const { code, status, where } of named) {
      expect(ERRORS, `${where}: ${code}`).toHaveProperty(code);
      expect(status, `${where}: ${code}`).toBe(ERRORS[code as ErrorCode].status);
    }
    for (const code of Object.keys(ERRORS))
      expect(
        named.some((n) => n.code === code),
        `${code} documented`,
      ).toBe(true);
    expect(doc.components.schemas.ErrorCode.enum).toEqual(Object.keys(ERRORS));
  });

  it("documents the headers: X-Request-Id on every answer, Retry-After on 429 and 503, Idempotent-Replayed on replays", () => {
    for (const { op } of operations(doc)) {
      for (const [status, r] of Object.entries(op.responses as Record<string, Doc>)) {
        expect(r.headers?.["X-Request-Id"], `${op.operationId} ${status}`).toBeDefined();
        if (status === "429" || status === "503")
          expect(r.headers["Retry-After"], `${op.operationId} ${status}`).toBeDefined();
      }
    }
    const order = doc.paths["/v1/sales/{saleId}/orders"].post;
    expect(order.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
    expect(order.responses["202"].headers["Idempotent-Replayed"]).toBeDefined();
    expect(order.responses["409"].headers["Idempotent-Replayed"]).toBeDefined();
    expect(doc.paths["/v1/payments/callback"].post.security).toEqual([{ paymentSignature: [] }]);
    expect(doc.components.securitySchemes.paymentSignature).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Signature",
    });
  });
});
