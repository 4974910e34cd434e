/** Setup calls a benchmark makes to the server under test (create a sale, take a token), checked. */
export async function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const r = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as any) : null };
}

/** Throws unless a setup call got the status (and error code) expected; `bench` names the benchmark. */
export function expectStatus(bench: string, what: string, got: { status: number; body: any }, status: number, code?: string): void {
  if (got.status !== status || (code !== undefined && got.body?.error?.code !== code)) {
    throw new Error(`${bench} setup: ${what}: expected ${status} ${code ?? ""}, got ${got.status} ${JSON.stringify(got.body)}`);
  }
}
