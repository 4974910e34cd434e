import { ApiError } from "../errors.js";
import { isUtf8 } from "node:buffer";
import { JsonRejected, parseStrictJson, UnknownField } from "./strict-json.js";

/** `application/json`, optionally with `charset=utf-8`; any other type or parameter is refused (415). */
const JSON_TYPE_RE = /^application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;

/** Bodies up to this size may be remembered (see Memo). */
const MEMO_MAX_BYTES = 64;

/**
 * The last small body accepted for one set of allowed fields, with its content type and value. A flash
 * sale's order bodies are nearly all the same bytes (`{"quantity":1}`): a repeat is compared byte for byte
 * and answered with a copy of the value, without the UTF-8 check, decoding and strict parse (about 0.5 µs
 * of the sold-out reject path). Only bodies whose values are all primitives are kept, so a copy is enough.
 */
interface Memo {
  bytes: Buffer;
  contentType: string;
  value: Record<string, unknown>;
}
const memos = new WeakMap<ReadonlySet<string>, Memo>();

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The allowed fields of a body that takes none (an empty body or `{}`). */
export const NO_FIELDS: ReadonlySet<string> = new Set();

/**
 * Parses a JSON request body that must be an object whose keys are all in `allowed`. An empty body is `{}`.
 * Refused with 415: a non-empty body that is not application/json. With 400: bytes that are not UTF-8,
 * JSON that is malformed, has duplicate keys, `__proto__`/`constructor` keys or deep nesting, a body that
 * is not an object, and any field not in `allowed` (so a buyer's `userId`, `price` or `status` is never
 * read, it is refused).
 */
export function jsonObject(
  body: Buffer | null,
  contentType: string,
  allowed: ReadonlySet<string>,
): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  const memo = memos.get(allowed);
  if (memo !== undefined && contentType === memo.contentType && sameBytes(body, memo.bytes)) return { ...memo.value };
  if (!JSON_TYPE_RE.test(contentType))
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "body must be application/json (charset utf-8)");
  if (!isUtf8(body)) throw new ApiError("INVALID_REQUEST", "body is not valid UTF-8");
  let v: unknown;
  try {
    v = parseStrictJson(body.toString("utf8"), allowed);
  } catch (err) {
    if (err instanceof UnknownField)
      throw new ApiError("INVALID_REQUEST", `${err.message}; accepted: ${[...allowed].join(", ") || "none"}`);
    throw new ApiError("INVALID_REQUEST", `body is not acceptable JSON: ${(err as JsonRejected).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ApiError("INVALID_REQUEST", "body must be a JSON object");
  if (body.length <= MEMO_MAX_BYTES && Object.values(v).every((x) => x === null || typeof x !== "object")) {
    memos.set(allowed, { bytes: Buffer.from(body), contentType, value: { ...v } });
  }
  return v as Record<string, unknown>;
}

export function positiveInt(v: unknown, name: string, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new ApiError("INVALID_REQUEST", `${name} must be an integer from 1 to ${max}`);
  }
  return v;
}
