import { describe, expect, it } from "vitest";
import { AddressSet, ClientIpResolver, ipv4TextOf, normalizeIp, rateLimitKey } from "../../src/admission/client-ip.js";
import { JsonRejected, MAX_JSON_DEPTH, parseStrictJson, UnknownField } from "../../src/admission/strict-json.js";
import { ConfigError, loadConfig } from "../../src/config/load.js";

describe("strict JSON", () => {
  it.each([
    ['{"quantity":1}', { quantity: 1 }],
    [' { "a" : [ 1 , -2.5e3 , true , false , null , "x\\"y\\u00e9" ] } ', { a: [1, -2500, true, false, null, 'x"yé'] }],
    ["{}", {}],
    ['"\\ud83d\\ude00"', "😀"],
    ["0", 0],
    ["-0.25E-2", -0.0025],
    ["[1e2,0.5,-3]", [100, 0.5, -3]],
  ])("parses %s like JSON.parse", (text, want) => {
    expect(parseStrictJson(text)).toEqual(want);
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"a":1,"a":1}', /duplicate key "a"/],
    ['{"a":{"b":1,"b":2}}', /duplicate key "b"/],
    ['{"__proto__":{}}', /"__proto__" is not allowed/],
    ['{"x":[{"constructor":1}]}', /"constructor" is not allowed/],
    ['{"\\u005f_proto__":{}}', /"__proto__" is not allowed/],
    [`${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`, /nesting deeper/],
    ['{"a":1}garbage', /after the JSON value/],
    ['{"a":01}', /./],
    ['{"a":+1}', /./],
    ['{"a":.5}', /./],
    ['{"a":1.}', /bad number/],
    ['{"a":1e}', /bad number/],
    ['{"a":-}', /bad number/],
    ['{"a":1.5e+}', /bad number/],
    ['{"a":"\\x41"}', /bad string escape/],
    ['{"a":"tab\there"}', /bad string/],
    ["", /end of JSON/],
    ["{", /./],
  ])("refuses %s", (text, why) => {
    expect(() => parseStrictJson(text)).toThrow(JsonRejected);
    expect(() => parseStrictJson(text)).toThrow(why);
  });

  it("never lets a key reach a prototype", () => {
    const o = parseStrictJson('{"a":{"b":1}}') as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o.a!)).toEqual(["b"]);
    expect(() => parseStrictJson('{"a":{"__proto__":{"polluted":true}}}')).toThrow(JsonRejected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("checks top-level keys against an allowed set while parsing", () => {
    expect(parseStrictJson('{"quantity":2}', new Set(["quantity"]))).toEqual({ quantity: 2 });
    expect(() => parseStrictJson('{"quantity":2,"userId":"x"}', new Set(["quantity"]))).toThrow(UnknownField);
    // Nested keys are the caller's business.
    expect(parseStrictJson('[{"x":1}]', new Set(["quantity"]))).toEqual([{ x: 1 }]);
  });

  it("accepts nesting up to the cap", () => {
    expect(() => parseStrictJson(`${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`)).not.toThrow();
  });
});

describe("client address", () => {
  it("normalizes IPv4-mapped IPv6 forms", () => {
    expect(normalizeIp("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(normalizeIp("0000:0000:0000:0000:0000:ffff:7f00:0001")).toBe("127.0.0.1");
    expect(normalizeIp("2001:db8::1")).toBe("2001:db8::1");
  });

  it("reads uWS's binary peer address as dotted IPv4 when it is one (plain or mapped), else leaves it to the text form", () => {
    const bytes = (...b: number[]) => new Uint8Array(b).buffer;
    expect(ipv4TextOf(bytes(10, 1, 2, 3))).toBe("10.1.2.3");
    expect(ipv4TextOf(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1))).toBe("127.0.0.1");
    expect(ipv4TextOf(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 254, 253, 252))).toBe("255.254.253.252");
    // A real IPv6 address (2001:db8::1, and ::1) and a malformed length: not IPv4.
    expect(ipv4TextOf(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBeNull();
    expect(ipv4TextOf(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBeNull();
    expect(ipv4TextOf(bytes(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1))).toBeNull();
    expect(ipv4TextOf(bytes(1, 2, 3))).toBeNull();
  });

  it("matches addresses and CIDR blocks, IPv4 and IPv6", () => {
    const s = new AddressSet(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"]);
    expect(s.has("10.200.3.4")).toBe(true);
    expect(s.has("11.0.0.1")).toBe(false);
    expect(s.has("192.168.1.7")).toBe(true);
    expect(s.has("192.168.1.8")).toBe(false);
    expect(s.has("fd12::5")).toBe(true);
    expect(s.has("0000:0000:0000:0000:0000:0000:0000:0001")).toBe(true);
    expect(s.has("2001:db8::1")).toBe(false);
    expect(s.has("not-an-ip")).toBe(false);
    expect(new AddressSet(["0.0.0.0/0"]).has("203.0.113.9")).toBe(true);
    expect(new AddressSet([]).empty).toBe(true);
  });

  it("believes X-Forwarded-For only from a trusted proxy, read from the right", () => {
    const r = new ClientIpResolver(["10.0.0.0/8"]);
    // Not from a proxy: the header is the client's own invention.
    expect(r.resolve("203.0.113.9", "1.2.3.4")).toBe("203.0.113.9");
    // From our proxy: the hop it appended is the client; what the client prepended is ignored.
    expect(r.resolve("10.0.0.5", "1.2.3.4, 198.51.100.7")).toBe("198.51.100.7");
    // Through two of our proxies.
    expect(r.resolve("10.0.0.5", "1.2.3.4, 198.51.100.7, 10.9.9.9")).toBe("198.51.100.7");
    // Garbage where an address should be: the last trusted hop stands.
    expect(r.resolve("10.0.0.5", "198.51.100.7, <script>")).toBe("10.0.0.5");
    expect(r.resolve("10.0.0.5", "")).toBe("10.0.0.5");
    expect(r.resolve("10.0.0.5", "::ffff:198.51.100.8")).toBe("198.51.100.8");
    // No trusted proxies configured: never believed.
    expect(new ClientIpResolver([]).resolve("10.0.0.5", "198.51.100.7")).toBe("10.0.0.5");
  });

  it("limits IPv6 clients by their /64", () => {
    expect(rateLimitKey("203.0.113.9")).toBe("203.0.113.9");
    expect(rateLimitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(rateLimitKey("2001:0db8:0001:0002:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(rateLimitKey("2001:db8::5")).toBe("2001:db8:0:0::/64");
    expect(rateLimitKey("::1")).toBe("0:0:0:0::/64");
  });
});

describe("admission settings", () => {
  it("are in the defaults and validated, naming the key", () => {
    const c = loadConfig({});
    expect(c.admission.rateLimits.enabled).toBe(true);
    expect(c.admission.breakers.redis.timeoutMs).toBeGreaterThan(0);
    expect(c.admission.shedding.maxInFlight).toBeGreaterThan(0);
    expect(() => loadConfig({ FLASHSALE__ADMISSION__TRUSTEDPROXIES: '["10.0.0.0/33"]' })).toThrow(
      /admission\.trustedProxies\.0: expected an IP address or CIDR block/,
    );
    expect(() => loadConfig({ FLASHSALE__ADMISSION__RATELIMITS__BUYER__POINTS: "0" })).toThrow(ConfigError);
    expect(() => loadConfig({ FLASHSALE__ADMISSION__BREAKERS__MYSQL__ERRORTHRESHOLDPERCENTAGE: "101" })).toThrow(
      /admission\.breakers\.mysql\.errorThresholdPercentage/,
    );
    expect(loadConfig({ FLASHSALE__ADMISSION__BREAKERS__ENABLED: "false" }).admission.breakers.enabled).toBe(false);
  });
});
