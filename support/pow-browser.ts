import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { repoRoot } from "../src/util/repo-root.js";
import type { Challenge } from "../src/waiting-room/proof-of-work.js";

/**
 * A page in headless Chromium with the buyer page's proof-of-work solver loaded, for the solver's test and
 * bench/pow-solve.ts. Web Crypto's `subtle` exists only in a secure context, so the page is served, by
 * Playwright's request routing, from an https origin that never reaches the network.
 */
export const SOLVER_ORIGIN = "https://pow-solver.invalid";
export const SOLVER_FILE = join(repoRoot(), "src", "waiting-room", "page", "pow-solver.js");

export interface Solution {
  number: number;
  took: number;
}

export async function solverPage(browser: Browser): Promise<Page> {
  const solver = readFileSync(SOLVER_FILE, "utf8");
  const page = await browser.newPage();
  await page.route(`${SOLVER_ORIGIN}/**`, (route) =>
    new URL(route.request().url()).pathname === "/pow-solver.js"
      ? route.fulfill({ contentType: "text/javascript", body: solver })
      : route.fulfill({ contentType: "text/html", body: '<!doctype html><script src="/pow-solver.js"></script>' }),
  );
  await page.goto(`${SOLVER_ORIGIN}/`);
  await page.waitForFunction(() => "PowSolver" in globalThis);
  return page;
}

/** Solves in the page (on its main thread, or in a Worker started from the solver's URL); null: no number. */
export function solveInPage(page: Page, challenge: Challenge, worker = false): Promise<Solution | null> {
  type Solver = {
    solve(c: Challenge): Promise<Solution | null>;
    solveInWorker(c: Challenge, url: string): Promise<Solution | null>;
  };
  return page.evaluate(
    ([c, inWorker]) => {
      const s = (globalThis as unknown as { PowSolver: Solver }).PowSolver;
      return inWorker ? s.solveInWorker(c, "/pow-solver.js") : s.solve(c);
    },
    [challenge, worker] as const,
  );
}

/** The ALTCHA payload the page builds for a solution (what it posts as `proof`). */
export function payloadInPage(page: Page, challenge: Challenge, solution: Solution): Promise<string> {
  type Solver = { payload(c: Challenge, s: Solution): string };
  return page.evaluate(([c, s]) => (globalThis as unknown as { PowSolver: Solver }).PowSolver.payload(c, s), [
    challenge,
    solution,
  ] as const);
}
