import { ApiError } from "../errors.js";
import { isUtf8 } from "node:buffer";
import { JsonRejected, parseStrictJson, UnknownField } from "./strict-json.js";

/** `application/json`, optionally with `charset=utf-8`; any other type or parameter is refused (415). */
const JSON_TYPE_RE = /^application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;

/**
 * Parses a JSON request body that must be an object whose keys are all in `allowed`. An empty body is `{}`.
 * Refused with 415: a non-empty body that is not application/json. With 400: bytes that are not UTF-8,
 * JSON that is malformed, has duplicate keys, `__proto__`/`constructor` keys or deep nesting, a body that
 * is not an object, and any field not in `allowed` (so a buyer's `userId`, `price` or `status` is never
 * read, it is refused).
 */
export function jsonObject(body: Buffer | null, contentType: string, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  if (!JSON_TYPE_RE.test(contentType)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "body must be application/json (charset utf-8)");
  if (!isUtf8(body)) throw new ApiError("INVALID_REQUEST", "body is not valid UTF-8");
  let v: unknown;
  try {
    v = parseStrictJson(body.toString("utf8"), allowed);
  } catch (err) {
    if (err instanceof UnknownField) throw new ApiError("INVALID_REQUEST", `${err.message}; accepted: ${[...allowed].join(", ") || "none"}`);
    throw new ApiError("INVALID_REQUEST", `body is not acceptable JSON: ${(err as JsonRejected).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ApiError("INVALID_REQUEST", "body must be a JSON object");
  return v as Record<string, unknown>;
}

export function positiveInt(v: unknown, name: string, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new ApiError("INVALID_REQUEST", `${name} must be an integer from 1 to ${max}`);
  }
  return v;
}
