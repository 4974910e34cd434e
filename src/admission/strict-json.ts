/**
 * A strict JSON parser for request bodies and JWT parts. JSON.parse silently keeps the last of duplicate
 * keys (two parsers on the way can then disagree about what a request says), accepts `__proto__` as a key
 * that later object spreads turn into a prototype, and recurses as deep as the input goes. This one refuses
 * all three. (Objects are plain: with those keys refused, none can reach a prototype; a null-prototype
 * object would be a slow dictionary-mode object on every request.)
 */

export class JsonRejected extends Error {
  override name = "JsonRejected";
}

/** Deepest nesting accepted: no body of this API nests at all; the cap bounds the parser's recursion. */
export const MAX_JSON_DEPTH = 8;

/** Keys that reach Object.prototype or a constructor when an object is merged or spread somewhere. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** A top-level key outside the caller's allowed set. */
export class UnknownField extends JsonRejected {
  override name = "UnknownField";
  constructor(readonly field: string) {
    super(`unknown field ${JSON.stringify(field.slice(0, 64))}`);
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

class Parser {
  private i = 0;

  constructor(
    private readonly s: string,
    /** When given, the keys the top-level object may have (checked while parsing). */
    private readonly topKeys: ReadonlySet<string> | undefined,
  ) {}

  parse(): JsonValue {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail("unexpected data after the JSON value");
    return v;
  }

  private fail(why: string): never {
    throw new JsonRejected(`${why} at offset ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i);
  }

  private value(depth: number): JsonValue {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b /* { */) return this.object(depth + 1);
    if (c === 0x5b /* [ */) return this.array(depth + 1);
    if (c === 0x22 /* " */) return this.string();
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.s.startsWith("true", this.i)) return ((this.i += 4), true);
    if (this.s.startsWith("false", this.i)) return ((this.i += 5), false);
    if (this.s.startsWith("null", this.i)) return ((this.i += 4), null);
    return this.fail(this.i >= this.s.length ? "unexpected end of JSON" : "unexpected character");
  }

  private object(depth: number): { [k: string]: JsonValue } {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.i++;
    const out: { [k: string]: JsonValue } = {};
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d /* } */) return (this.i++, out);
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x22) this.fail("expected a string key");
      const key = this.string();
      if (FORBIDDEN_KEYS.has(key)) this.fail(`key "${key}" is not allowed`);
      if (depth === 1 && this.topKeys && !this.topKeys.has(key)) throw new UnknownField(key);
      if (Object.hasOwn(out, key)) this.fail(`duplicate key "${key}"`);
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x3a /* : */) this.fail("expected ':'");
      this.i++;
      out[key] = this.value(depth);
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 0x7d) return out;
      if (c !== 0x2c /* , */) this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): JsonValue[] {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.i++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d /* ] */) return (this.i++, out);
    for (;;) {
      out.push(this.value(depth));
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.fail("expected ',' or ']'");
    }
  }

  /** Finds the closing quote; escapes are left to JSON.parse, which knows them exactly. */
  private string(): string {
    const s = this.s;
    const start = this.i;
    let escaped = false;
    for (let j = start + 1; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x22) {
        this.i = j + 1;
        return escaped ? (JSON.parse(s.slice(start, j + 1)) as string) : s.slice(start + 1, j);
      }
      if (c < 0x20) break;
      if (c === 0x5c /* \ */) {
        escaped = true;
        j++;
      }
    }
    this.i = start;
    return this.fail("bad string");
  }

  /** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private number(): number {
    const s = this.s;
    const start = this.i;
    let j = start;
    if (s.charCodeAt(j) === 0x2d) j++;
    if (s.charCodeAt(j) === 0x30) j++;
    else if (isDigit(s.charCodeAt(j))) while (isDigit(s.charCodeAt(j))) j++;
    else return this.fail("bad number");
    if (s.charCodeAt(j) === 0x2e /* . */) {
      if (!isDigit(s.charCodeAt(++j))) return this.fail("bad number");
      while (isDigit(s.charCodeAt(j))) j++;
    }
    const e = s.charCodeAt(j);
    if (e === 0x65 || e === 0x45) {
      const sign = s.charCodeAt(++j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (!isDigit(s.charCodeAt(j))) return this.fail("bad number");
      while (isDigit(s.charCodeAt(j))) j++;
    }
    this.i = j;
    return Number(s.slice(start, j));
  }
}

/**
 * Parses `text` as JSON, or throws JsonRejected saying why. With `topKeys`, a top-level object key outside
 * it throws UnknownField (checked as it is read, so a body full of junk is not parsed to the end).
 */
export function parseStrictJson(text: string, topKeys?: ReadonlySet<string>): JsonValue {
  try {
    return new Parser(text, topKeys).parse();
  } catch (err) {
    // JSON.parse of a string token with a bad escape lands here too.
    if (err instanceof JsonRejected) throw err;
    throw new JsonRejected(`bad string escape`);
  }
}
