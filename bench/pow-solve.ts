import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { launchBrowser } from "../demo/report/check.js";
import { loadConfig } from "../src/config/load.js";
import { difficultySteps, maxnumberFor, ProofOfWork } from "../src/waiting-room/proof-of-work.js";
import { solveInPage, solverPage } from "../support/pow-browser.js";
import type { Measurement } from "./lib/benchmark.js";
import { median } from "./lib/stats.js";

/**
 * Solve times of the waiting room's proof of work (issue 20, item 5): at every step of the difficulty curve
 * (docs/proof-of-work.md), RUNS fresh challenges from ProofOfWork, solved by the buyer page's solver
 * (src/waiting-room/page/pow-solver.js, main thread) in headless Chromium and each checked by verifyProof.
 * Twice: as this machine runs it ("desktop"), and with the page's CPU slowed 4× through the DevTools
 * protocol (Emulation.setCPUThrottlingRate), the slowdown Lighthouse's mobile profile uses to stand for a
 * mid-range phone. Times are the solver's own `took` (ms from its first hash to the match), so page
 * round trips are not counted. A time, not a ratio: the figure the README's table shows.
 */
const RUNS = Number(process.env.BENCH_POW_RUNS ?? 40);
const STOCK = 100_000;
const PROFILES = [
  { name: "desktop", cpuSlowdown: 1 },
  { name: "phone-class (CPU ×4)", cpuSlowdown: 4 },
];

interface Row {
  profile: string;
  step: number;
  ratio: string;
  maxnumber: number;
  runs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Hashes per second over all runs: numbers tried ÷ time. */
  hashesPerSec: number;
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

async function measureStep(page: Page, pow: ProofOfWork, step: number, profile: string): Promise<Row> {
  const policy = loadConfig({}).admission.proofOfWork;
  // The smallest demand on this step: stock × 2^(step-1) + 1 (step 0: demand = stock).
  const demand = step === 0 ? STOCK : STOCK * 2 ** (step - 1) + 1;
  const maxnumber = maxnumberFor(demand, STOCK, policy);
  const took: number[] = [];
  let tried = 0;
  for (let i = 0; i < RUNS; i++) {
    const now = Date.now();
    const c = pow.challengeFor({ saleId: "bench-sale", buyerId: `b${i}`, demand, stock: STOCK, now });
    const s = await solveInPage(page, c);
    if (s === null) throw new Error(`step ${step}: no solution found`);
    const proof = Buffer.from(JSON.stringify({ ...c, number: s.number })).toString("base64");
    const verdict = pow.verifyProof(proof, { saleId: "bench-sale", buyerId: `b${i}`, now });
    if (!verdict.ok) throw new Error(`step ${step}: the gateway refused a solution (${verdict.reason})`);
    took.push(s.took);
    tried += s.number + 1;
  }
  const total = took.reduce((a, b) => a + b, 0);
  const ratio = step === 0 ? "≤ 1" : step === difficultySteps(policy) ? `> ${2 ** (step - 1)}` : `≤ ${2 ** step}`;
  return {
    profile,
    step,
    ratio,
    maxnumber,
    runs: RUNS,
    medianMs: median(took),
    p95Ms: percentile(took, 0.95),
    maxMs: Math.max(...took),
    hashesPerSec: Math.round((tried / Math.max(1, total)) * 1000),
  };
}

async function run(): Promise<{ details: Record<string, unknown>; table: string[] }> {
  const policy = loadConfig({}).admission.proofOfWork;
  const pow = ProofOfWork.fromConfig(policy, randomBytes(32).toString("base64url"));
  const browser = await launchBrowser();
  const rows: Row[] = [];
  try {
    for (const p of PROFILES) {
      const page = await solverPage(browser);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: p.cpuSlowdown });
      // A warm-up solve: the first digests pay for Web Crypto's start.
      await solveInPage(page, pow.challengeFor({ saleId: "w", buyerId: "w", demand: 0, stock: 1, now: Date.now() }));
      for (let step = 0; step <= difficultySteps(policy); step++) rows.push(await measureStep(page, pow, step, p.name));
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const table = [
    "| demand ÷ stock | maxnumber | profile | median ms | p95 ms | max ms | runs | hashes/s |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.ratio} | ${r.maxnumber.toLocaleString("en")} | ${r.profile} | ${Math.round(r.medianMs)} | ${Math.round(r.p95Ms)} | ${Math.round(r.maxMs)} | ${r.runs} | ${r.hashesPerSec.toLocaleString("en")} |`,
    ),
  ];
  return {
    details: { runs: RUNS, stock: STOCK, policy: { floor: policy.floor, ceiling: policy.ceiling }, rows },
    table,
  };
}

export const powSolve: Measurement = {
  name: "pow-solve",
  description: "proof-of-work solve time in headless Chromium at each difficulty step (ms, desktop and CPU ×4)",
  run,
};
