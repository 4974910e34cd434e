import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SALE_ID_RE } from "../admission/ids.js";
import { ApiError } from "../errors.js";
import { repoRoot } from "../util/repo-root.js";
import { constantReply, errorReply, type Handler, type HttpReply } from "./exchange.js";

/**
 * The buyer page of the waiting room (`GET /wait/{saleId}`, docs/waiting-room-page.md) and its one asset,
 * the proof-of-work solver. They are pages, not API operations: registered by the public listener beside
 * the route table, and kept out of the OpenAPI document on purpose (a client generator has nothing to call
 * there, and the linters would ask for JSON schemas of an HTML page).
 */
export interface PageRoute {
  path: string;
  /** The route's label in metrics and the access log. */
  name: string;
  handler: Handler;
  /** Cache-Control of the 2xx answers; errors are `no-store` as everywhere. */
  cacheControl: string;
}

/** Where the page's files live; the Dockerfile copies this folder into the image beside lua/ and config/. */
export const PAGE_DIR = join("src", "waiting-room", "page");

/** The same bytes for every sale and buyer (the script reads the sale id from the address): a CDN may keep it. */
export const PAGE_CACHE_CONTROL = "public, max-age=300";

const sha256b64 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

/** Marks in wait.html replaced by the script tags (the inline script is the two .js files, concatenated). */
const SOLVER_MARK = "<!--SOLVER-->";
const SCRIPT_MARK = "<!--SCRIPT-->";
const SOLVER_PATH = "/wait/assets/pow-solver.js";

/**
 * The page as served: wait.html with its script inlined, and the headers that hold it to what it does. The
 * CSP allows the one inline script and style by hash (no 'unsafe-inline'), the solver from this origin,
 * requests to this origin only, and framing by this origin only.
 */
export function buildWaitPage(dir = join(repoRoot(), PAGE_DIR)): { html: string; headers: Record<string, string> } {
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  const script = `${read("wait-logic.js")}\n${read("wait-page.js")}`;
  const template = read("wait.html");
  const style = /<style>([\s\S]*?)<\/style>/.exec(template)?.[1];
  if (style === undefined || !template.includes(SCRIPT_MARK) || !template.includes(SOLVER_MARK))
    throw new Error(`${PAGE_DIR}/wait.html lacks its <style> or a script mark`);
  const solver = existsSync(join(dir, "pow-solver.js")) ? `<script src="${SOLVER_PATH}"></script>` : "";
  const html = template.replace(SOLVER_MARK, () => solver).replace(SCRIPT_MARK, () => `<script>${script}</script>`);
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${sha256b64(script)}'`,
    `style-src 'sha256-${sha256b64(style)}'`,
    "connect-src 'self'",
    // The solver runs itself as a Worker from its own URL.
    "worker-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join("; ");
  return {
    html,
    headers: {
      "Content-Security-Policy": csp,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
  };
}

/** The page and its asset, read and built once when the public listener starts. */
export function waitPageRoutes(): PageRoute[] {
  const dir = join(repoRoot(), PAGE_DIR);
  const page = buildWaitPage(dir);
  const pageReply = constantReply({
    status: 200,
    body: page.html,
    contentType: "text/html; charset=utf-8",
    headers: page.headers,
  });
  const badSale = constantReply(errorReply(new ApiError("NOT_FOUND", "no sale can have this id")));
  const routes: PageRoute[] = [
    {
      path: "/wait/:saleId",
      name: "wait_page",
      handler: (req): HttpReply => (SALE_ID_RE.test(req.params[0] ?? "") ? pageReply : badSale),
      cacheControl: PAGE_CACHE_CONTROL,
    },
  ];
  const solverFile = join(dir, "pow-solver.js");
  if (existsSync(solverFile)) {
    const solver = constantReply({
      status: 200,
      body: readFileSync(solverFile, "utf8"),
      contentType: "text/javascript; charset=utf-8",
      headers: { "X-Content-Type-Options": "nosniff" },
    });
    routes.push({ path: SOLVER_PATH, name: "wait_asset", handler: () => solver, cacheControl: PAGE_CACHE_CONTROL });
  }
  return routes;
}
