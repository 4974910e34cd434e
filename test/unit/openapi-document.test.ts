import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BEARER_CHALLENGE,
  ERRORS,
  INVALID_TOKEN_CHALLENGE,
  SIGNATURE_CHALLENGE,
  type ErrorCode,
} from "../../src/errors.js";
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
    // Each listener registers the table's routes for it (the public ones or the ops ones).
    expect(server).toMatch(/const mine = \(ROUTES\b[^;]*\.filter\(\(r\) => r\.listener === this\.opts\.listener\)/);
    expect(server).toMatch(/for \(const r of mine\)/);
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

  it("gives every operation a description and a security requirement (an empty one when public), and names servers", () => {
    expect(doc.servers?.length).toBeGreaterThan(0);
    for (const { method, path, op } of operations(doc)) {
      expect(op.description, `${method} ${path}`).toMatch(/\S{3}/);
      expect(op.description, `${method} ${path}`).not.toBe(op.summary);
      expect(Array.isArray(op.security), `${method} ${path}`).toBe(true);
    }
    expect(doc.paths["/v1/sales/{saleId}"].get.security).toEqual([]);
    expect(doc.paths["/healthz"].get.security).toEqual([]);
  });

  it("has an example for every request body and 2xx answer, each valid against its schema", async () => {
    const deref: Doc = await SwaggerParser.dereference(structuredClone(doc));
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const examples: { what: string; schema: Doc; example: unknown }[] = [];
    for (const { method, path, op } of operations(deref)) {
      const media = [
        ...Object.entries((op.requestBody?.content ?? {}) as Record<string, Doc>).map(([t, m]) => [`body ${t}`, m]),
        ...Object.entries(op.responses as Record<string, Doc>)
          .filter(([status]) => status.startsWith("2"))
          .flatMap(([status, r]) =>
            Object.entries((r.content ?? {}) as Record<string, Doc>).map(([t, m]) => [`${status} ${t}`, m]),
          ),
      ] as [string, Doc][];
      for (const [where, m] of media) {
        const what = `${method} ${path} ${where}`;
        expect(m.example, `${what} has an example`).toBeDefined();
        examples.push({ what, schema: m.schema, example: m.example });
      }
    }
    expect(examples.length).toBeGreaterThan(ROUTES.length);
    for (const { what, schema, example } of examples) {
      const validate = ajv.compile(schema);
      expect(validate(example), `${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    // The check is awake: a stats example missing a field, or with one the gateway does not send, fails.
    const stats = deref.paths["/v1/admin/sales/{saleId}/stats"].get.responses["200"].content["application/json"];
    const validate = ajv.compile(stats.schema);
    const { drift: _drift, ...noDrift } = stats.example;
    expect(validate(noDrift)).toBe(false);
    expect(validate({ ...stats.example, surplus: 1 })).toBe(false);
  });

  it("documents WWW-Authenticate on every 401, Cache-Control on every answer, and the 405 with Allow", () => {
    for (const { method, path, op } of operations(doc)) {
      const what = `${method} ${path}`;
      for (const [status, r] of Object.entries(op.responses as Record<string, Doc>))
        expect(r.headers["Cache-Control"], `${what} ${status}`).toBeDefined();
      const unauthorized = op.responses["401"];
      if (op.security.length === 0) {
        expect(unauthorized, what).toBeUndefined();
        continue;
      }
      const challenge = unauthorized.headers["WWW-Authenticate"].$ref.split("/").at(-1);
      const values = doc.components.headers[challenge].schema;
      if (op.security[0].paymentSignature)
        expect(values, what).toEqual({ const: SIGNATURE_CHALLENGE["www-authenticate"] });
      else
        expect(values, what).toEqual({
          enum: [BEARER_CHALLENGE["www-authenticate"], INVALID_TOKEN_CHALLENGE["www-authenticate"]],
        });
    }
    const sale = doc.paths["/v1/sales/{saleId}"].get.responses;
    expect(sale["200"].headers["Cache-Control"].schema).toEqual({ const: "public, max-age=1" });
    expect(sale["404"].headers["Cache-Control"]).toEqual({ $ref: "#/components/headers/NoStore" });
    const order = doc.paths["/v1/orders/{orderId}"].get.responses;
    expect(order["200"].headers["Cache-Control"]).toEqual({ $ref: "#/components/headers/NoStore" });
    expect(doc.components.responses.MethodNotAllowed.headers.Allow).toEqual({ $ref: "#/components/headers/Allow" });
  });
});
