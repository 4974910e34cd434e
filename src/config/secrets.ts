import { adminTokens, type Config } from "./schema.js";

/**
 * The least a production secret may hold, in bytes (UTF-8). HS256 (`auth.userJwtSecret`, which also keys the
 * purchase tokens unless `auth.purchaseTokenKeys` lists their own) needs a key at least as long as its hash, 256 bits (RFC 7518 §3.2); the payment webhook's
 * HMAC-SHA256 key gets the same rule (RFC 2104 §3: a key shorter than the hash's 32 bytes weakens it); the
 * admin token is a bearer password that anyone who reaches the port may guess at, so it gets the same 256
 * bits (as 43 base64 characters from `openssl rand -base64 32`, say). The waiting room's proof-of-work
 * key (`admission.proofOfWork.hmacKey`, when set) signs challenges with HMAC-SHA256: the same rule.
 */
export const MIN_SECRET_BYTES = 32;

/** Markers too long to turn up in a random secret by chance: anywhere in the value. */
const PLACEHOLDER_MARKERS = /change[-_ .]?me|replace[-_ .]?me|placeholder|your[-_ .]?(secret|token|password)/i;

/**
 * Words an operator writes into a value that stands in for a secret. Matched only as whole words (between
 * non-alphanumeric characters or the ends), so a random base64 secret that happens to contain "test" passes.
 */
const PLACEHOLDER_WORDS = new Set([
  "changeme",
  "example",
  "sample",
  "secret",
  "test",
  "testing",
  "dummy",
  "default",
  "dev",
  "demo",
  "password",
  "passwd",
  "todo",
  "fixme",
  "insecure",
  "xxx",
]);

/** Fewer distinct characters than this ("aaaa…", "1234…" repeated) is no secret, however long. */
const MIN_DISTINCT_CHARS = 8;

/** Why a value cannot be a production secret (never quoting it), or null when it may be one. */
export function placeholderReason(value: string): string | null {
  if (PLACEHOLDER_MARKERS.test(value)) return "looks like a placeholder (it asks to be changed or replaced)";
  const word = value
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .find((w) => PLACEHOLDER_WORDS.has(w));
  if (word !== undefined) return `looks like a placeholder (the word "${word}")`;
  return null;
}

function weakness(value: string): string | null {
  const placeholder = placeholderReason(value);
  if (placeholder) return placeholder;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes < MIN_SECRET_BYTES) return `${bytes} bytes, at least ${MIN_SECRET_BYTES} needed`;
  if (new Set(value).size < MIN_DISTINCT_CHARS) return `fewer than ${MIN_DISTINCT_CHARS} distinct characters`;
  return null;
}

/**
 * What a production start refuses, one line per setting, each naming the key and never the value: a secret
 * left at its development default (`config/default.json`), a placeholder (compose's `…-change-me`, words
 * such as example, secret or test), or a weak one (under MIN_SECRET_BYTES, or too few distinct characters);
 * a MySQL password that is a placeholder.
 */
export function productionSecretProblems(cfg: Config, defaults: Config): string[] {
  const defaultValues = new Set([
    defaults.auth.userJwtSecret,
    ...adminTokens(defaults.auth),
    ...(defaults.auth.purchaseTokenKeys ?? []).map((k) => k.secret),
    ...(defaults.auth.queueTicketKeys ?? []).map((k) => k.secret),
    defaults.payments.webhookSecret,
  ]);
  const secrets: [string, string][] = [["auth.userJwtSecret", cfg.auth.userJwtSecret]];
  const tokens = adminTokens(cfg.auth);
  if (typeof cfg.auth.adminToken === "string") secrets.push(["auth.adminToken", tokens[0]!]);
  else for (const [i, t] of tokens.entries()) secrets.push([`auth.adminToken[${i}]`, t]);
  for (const [i, k] of (cfg.auth.purchaseTokenKeys ?? []).entries())
    secrets.push([`auth.purchaseTokenKeys[${i}].secret`, k.secret]);
  for (const [i, k] of (cfg.auth.queueTicketKeys ?? []).entries())
    secrets.push([`auth.queueTicketKeys[${i}].secret`, k.secret]);
  secrets.push(["payments.webhookSecret", cfg.payments.webhookSecret]);
  // null: the key is derived from auth.userJwtSecret, checked above.
  const powKey = cfg.admission.proofOfWork.hmacKey;
  if (powKey !== null) secrets.push(["admission.proofOfWork.hmacKey", powKey]);

  const problems: string[] = [];
  for (const [key, value] of secrets) {
    const why = defaultValues.has(value) ? "the development default" : weakness(value);
    if (why)
      problems.push(
        `invalid config: ${key}: ${why}; NODE_ENV=production needs at least ${MIN_SECRET_BYTES} random bytes of its own (e.g. openssl rand -base64 32)`,
      );
  }
  for (const [i, s] of cfg.mysql.shards.entries()) {
    const why = s.password === "" ? null : placeholderReason(s.password);
    if (why)
      problems.push(`invalid config: mysql.shards[${i}].password: ${why}; NODE_ENV=production needs the real password`);
  }
  return problems;
}
