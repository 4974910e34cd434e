import { ApiError } from "../http/errors.js";

/** Parses a JSON request body that must be an object. */
export function jsonObject(body: Buffer | null): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ApiError("INVALID_REQUEST", "body is not valid JSON");
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
