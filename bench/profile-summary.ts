import { readFileSync } from "node:fs";

/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [requests] [top]`: where a V8 CPU profile's busy time
 * went, by owner. A sample's owner is the nearest frame of this repository on its stack (src/… or bench/…
 * with the function), so a library's time is billed to the code that called it; a stack with none is
 * billed to the nearest package, or to the VM ("(garbage collector)", "(program)"). Idle time and the
 * inspector's own dispatch are left out. With `requests`, figures are µs per request as well.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const NOT_BUSY = new Set(["(idle)", "dispatch"]);

function where(url: string): { repo: string } | { pkg: string } | null {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return { pkg: rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]! };
  }
  const m = /\/(?:dist\/)?((?:src|bench)\/.*)$/.exec(url);
  return m ? { repo: m[1]! } : null;
}

/** Busy µs per owner ("file<TAB>function", a package, or a VM entry) of one profile. */
export function owners(profile: Profile): { busyUs: number; byOwner: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOwner = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const leaf = byId.get(id)!.callFrame;
    if (NOT_BUSY.has(leaf.functionName)) continue;
    busyUs += us;
    let owner: string | null = null;
    let pkg: string | null = null;
    for (let at: number | undefined = id; at !== undefined && owner === null; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      const w = where(f.url);
      if (w && "repo" in w) owner = `${w.repo}\t${f.functionName || "(anonymous)"}`;
      else if (w && pkg === null) pkg = `package ${w.pkg}`;
    }
    const key = owner ?? pkg ?? (leaf.functionName.startsWith("(") ? leaf.functionName : "node internals");
    byOwner.set(key, (byOwner.get(key) ?? 0) + us);
  }
  return { busyUs, byOwner };
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const [file, requests, top] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [requests] [top]");
  const { busyUs, byOwner } = owners(JSON.parse(readFileSync(file, "utf8")) as Profile);
  const n = Number(requests) || 0;
  const perReq = (us: number) => (n ? `${(us / n).toFixed(1).padStart(8)} µs/req ` : "");
  console.log(`busy ${(busyUs / 1000).toFixed(1)} ms${n ? `, ${(busyUs / n).toFixed(1)} µs per request` : ""}`);
  const byFile = new Map<string, number>();
  for (const [k, us] of byOwner) byFile.set(k.split("\t")[0]!, (byFile.get(k.split("\t")[0]!) ?? 0) + us);
  for (const [title, map] of [
    ["by file or package", byFile],
    ["by function", byOwner],
  ] as const) {
    console.log(`\n${title}:`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(top) || 25))
      console.log(`${perReq(us)}${((100 * us) / busyUs).toFixed(1).padStart(5)} %  ${k.replace("\t", " ")}`);
  }
}
