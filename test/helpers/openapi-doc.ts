import { ERRORS, type ErrorCode } from "../../src/errors.js";

/** The document, walked as plain JSON. */
export type Doc = any;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Every operation of the document: method, OpenAPI path, the operation object. */
export function operations(doc: Doc): { method: string; path: string; op: Doc }[] {
  return Object.entries(doc.paths as Record<string, Doc>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** The error codes a response documents, from its schema's `code` enum. */
export function codesOf(response: Doc): string[] {
  const schema = response.content?.["application/json"]?.schema;
  return (schema?.allOf ?? []).flatMap((s: Doc) => s.properties?.error?.properties?.code?.enum ?? []);
}

/** Every (status, code) the document names, on any operation or in components.responses. */
export function documentedCodes(doc: Doc): { status: number; code: string; where: string }[] {
  const responses: [string, string, Doc][] = [
    ...operations(doc).flatMap(({ op }) =>
      Object.entries(op.responses as Record<string, Doc>).map(
        ([s, r]) => [op.operationId, s, r] as [string, string, Doc],
      ),
    ),
    ...Object.entries(doc.components.responses as Record<string, Doc>).map(
      ([name, r]) => [name, "", r] as [string, string, Doc],
    ),
  ];
  return responses.flatMap(([where, status, r]) =>
    codesOf(r).map((code) => ({
      where,
      code,
      status: status === "" ? (ERRORS[code as ErrorCode]?.status ?? -1) : Number(status),
    })),
  );
}
