import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScripts, SCRIPT_NAMES } from "../../src/redis/script-loader.js";
import {
  checkOrderOutcome,
  leaseOutcome,
  markPaidOutcome,
  replayOutcome,
  restoreRecordOutcome,
  transferDoneOutcome,
  releaseOutcome,
  reserveOutcome,
  ScriptCode,
  transferInOutcome,
  UnexpectedScriptReply,
  warmShardOutcome,
} from "../../src/redis/script-replies.js";
import { repoRoot } from "../../src/util/repo-root.js";

const LUA = join(repoRoot(), "lua");
const ENUM: Record<string, number> = Object.fromEntries(
  Object.entries(ScriptCode).filter(([k]) => Number.isNaN(Number(k))),
) as never;

/** `Name (n)` pairs in a script's header after "Reply:". */
function headerReplies(source: string): Record<string, number> {
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(source)![1]!;
  const reply = header.slice(header.indexOf("Reply:"));
  return Object.fromEntries([...reply.matchAll(/\b([A-Z][A-Za-z]+) \((-?\d+)\)/g)].map((m) => [m[1]!, Number(m[2])]));
}

function sourceOf(name: string): string {
  const file = readdirSync(LUA).find((f) => f.startsWith(`${name}-`) && f.endsWith(".lua"))!;
  return readFileSync(join(LUA, file), "utf8");
}

/** Every script's raw reply for a code, and its mapper: the one place codes become outcomes. */
const MAPPERS: Record<string, (code: number) => unknown> = {
  reserve: (c) => reserveOutcome([c, "order", 0]),
  // n carries the stored answer's code, as in reserve's replay.
  replay: (c) => replayOutcome([c, "order", ScriptCode.Ok]),
  release: (c) => releaseOutcome([c, 1]),
  "warm-shard": warmShardOutcome,
  "transfer-in": transferInOutcome,
  "check-order": checkOrderOutcome,
  "mark-paid": markPaidOutcome,
  lease: leaseOutcome,
  "restore-record": restoreRecordOutcome,
  "transfer-done": transferDoneOutcome,
};

describe("script reply codes", () => {
  it("lua/includes/script-codes.lua defines exactly the ScriptCode enum", () => {
    const lua = readFileSync(join(LUA, "includes", "script-codes.lua"), "utf8");
    const defined = Object.fromEntries(
      [...lua.matchAll(/^local (\w+) = (-?\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
    );
    expect(defined).toEqual(ENUM);
  });

  it.each(SCRIPT_NAMES)("%s: its header names its replies as the enum does, and returns only those", (name) => {
    const src = sourceOf(name);
    const named = headerReplies(src);
    for (const [code, value] of Object.entries(named)) expect(ENUM[code], `${name}: ${code}`).toBe(value);
    const body = src.slice(src.indexOf("]]"));
    const returned = new Set([...body.matchAll(/return \{?([A-Z][A-Za-z]+)/g)].map((m) => m[1]!));
    expect([...returned].sort()).toEqual(
      Object.keys(named)
        .filter((c) => returned.has(c))
        .sort(),
    );
    for (const code of returned)
      expect(named, `${name} returns ${code} without naming it in its header`).toHaveProperty(code);
  });

  it.each(Object.keys(MAPPERS))("%s: every code of its header maps to an outcome; any other code throws", (name) => {
    const map = MAPPERS[name]!;
    const named = Object.values(headerReplies(sourceOf(name)));
    expect(named.length).toBeGreaterThan(0);
    for (const code of named) {
      // A replay (reserve) carries the stored outcome's code in n; the mapper reads it from there.
      if (name === "reserve" && code === ScriptCode.Replay)
        expect(reserveOutcome([code, "o", ScriptCode.Ok])).toMatchObject({ replayed: true });
      else expect(() => map(code), `${name} ${code}`).not.toThrow();
    }
    for (const code of Object.values(ENUM).filter((c) => !named.includes(c)))
      expect(() => map(code), `${name} ${code}`).toThrow(UnexpectedScriptReply);
    expect(() => map(99)).toThrow(UnexpectedScriptReply);
  });

  it("reserve maps replays by the stored first outcome", () => {
    expect(reserveOutcome([ScriptCode.Ok, "o", 5])).toEqual({ kind: "reserved", orderId: "o", replayed: false });
    expect(reserveOutcome([ScriptCode.Replay, "o", ScriptCode.Ok])).toEqual({
      kind: "reserved",
      orderId: "o",
      replayed: true,
    });
    expect(reserveOutcome([ScriptCode.Replay, "", ScriptCode.SoldOut])).toEqual({ kind: "sold_out", replayed: true });
    expect(reserveOutcome([ScriptCode.Replay, "", ScriptCode.LimitExceeded])).toEqual({
      kind: "limit_exceeded",
      replayed: true,
    });
    expect(reserveOutcome([ScriptCode.ShardEmpty, "", 2])).toEqual({ kind: "shard_empty", shardStock: 2 });
    expect(() => reserveOutcome([ScriptCode.Replay, "", ScriptCode.ShardEmpty])).toThrow(UnexpectedScriptReply);
  });

  it("replay answers as reserve's replay does, and null when the token has no stored answer", () => {
    expect(replayOutcome([ScriptCode.Replay, "o", ScriptCode.Ok])).toEqual({
      kind: "reserved",
      orderId: "o",
      replayed: true,
    });
    expect(replayOutcome([ScriptCode.Replay, "", ScriptCode.SoldOut])).toEqual({ kind: "sold_out", replayed: true });
    expect(replayOutcome([ScriptCode.KeyReused, "", 0])).toEqual({ kind: "key_reused" });
    expect(replayOutcome([ScriptCode.NotFound, "", 0])).toBeNull();
    expect(() => replayOutcome([ScriptCode.Ok, "o", 5])).toThrow(UnexpectedScriptReply);
  });

  it("the loader inlines every include; the ledger record and the stored outcome are written in one place", () => {
    for (const s of loadScripts().values()) expect(s.lua, s.name).not.toMatch(/--- @include/);
    const bodies = SCRIPT_NAMES.map(sourceOf).join("\n");
    // Building a record by concatenation, or HSET of an outcome's fields, happens only in lua/includes/.
    expect(bodies).not.toMatch(/'[RFPCT]\|/);
    expect(bodies).not.toMatch(/'[RFPCT]' \.\. string\.sub/);
    expect(bodies).not.toMatch(/'HSET', KEYS\[1\], 'q'/);
  });
});
