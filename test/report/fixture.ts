import { answerBuckets, histogram, percentileCurve, type Outcome, type ReportData } from "../../demo/report/render.js";

/** A deterministic pseudo-random stream (a test must draw the same page every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A demo run's report data as the demo would build it, with what tends to break a layout: a long sale id,
 * invariant names and details far longer than a line, a failed invariant, a missed target.
 */
export function fixture(): ReportData {
  const r = rng(42);
  // Latency with a long tail: mostly a few ms, some hundreds.
  const latency = Array.from({ length: 5500 }, () => (r() < 0.97 ? 1 + r() * 12 : 50 + r() * 400));
  const accepted = latency.slice(0, 600).map((v) => v * 1.3);
  const lags = Array.from({ length: 600 }, () => 20 + r() * 180 + (r() < 0.02 ? 900 : 0));
  const answers: { t: number; outcome: Outcome }[] = [];
  for (let i = 0; i < 5500; i++) {
    const t = (i / 5500) * 3.2 + r() * 0.05;
    const outcome: Outcome =
      i < 550
        ? "accepted"
        : i % 10 === 3
          ? "replayed"
          : i % 97 === 0
            ? "retryLater"
            : i % 53 === 0
              ? "limit"
              : "soldOut";
    answers.push({ t, outcome });
  }
  const stock: [number, number][] = Array.from({ length: 40 }, (_, i) => [
    i * 0.25,
    Math.max(0, 500 - i * 60) + (i > 20 ? 3 : 0),
  ]);
  const paid: [number, number][] = Array.from({ length: 40 }, (_, i) => [
    i * 0.25,
    Math.min(480, Math.max(0, (i - 4) * 25)),
  ]);
  return {
    title: "Flash sale demo-mio4k2xq-with-a-rather-long-identifier-that-must-wrap-somewhere-0123456789abcdef",
    subtitle: "2026-12-02 03:40 UTC · the gateway as npm start runs it, on the local stack",
    parameters: {
      buyers: 5000,
      stock: 500,
      shards: 8,
      "limit per buyer": 2,
      "in flight": 256,
      "payment timeout": "6 s",
      "hopefuls (keep trying)": 2000,
      "sale id": "demo-mio4k2xq-with-a-rather-long-identifier-that-must-wrap-somewhere-0123456789abcdef",
    },
    summary: [
      { label: "attempts / s", value: "4,812", note: "5,500 attempts in 1.1 s" },
      { label: "orders accepted", value: "550", note: "500 units" },
      { label: "202 p99", value: "14 ms" },
      { label: "202 → row p99", value: "190 ms" },
      { label: "final PAID / CANCELLED", value: "401 / 183" },
      { label: "refunds", value: "112", note: "PAID_AFTER_CANCEL 56 · DUPLICATE_PAYMENT 56" },
    ],
    invariants: [
      { name: "1 no oversell", ok: true, detail: "paid units 500 ≤ stock 500; reserved 500; Redis remaining 0" },
      { name: "2 no lost order", ok: true, detail: "every accepted order has its row: 634 accepted, 634 rows" },
      {
        name: "3 no duplicate",
        ok: false,
        detail: `one row per order id and replays name the first order: ${JSON.stringify({ rows: 634, distinct: 633, replayed202: 55, mismatched: ["0193a3f0-7c1e-7b1e-9c1e-5f9b3a7c1e00", "0193a3f0-7c1e-7b1e-9c1e-5f9b3a7c1e01"] })}`,
      },
      {
        name: "4 per-buyer limit, held units per buyer never above the limit, counted over every non-cancelled row of the sale in every shard",
        ok: true,
        detail: `markup stays text: </script><script>document.title = "escaped badly"</script> <b>not bold</b> ${"x".repeat(300)}`,
      },
      {
        name: "5 nothing stranded",
        ok: true,
        detail: "remaining 0 + in transfer 0 + reserved 500 = stock 500; reserved = paid units",
      },
      { name: "6 convergence", ok: true, detail: "drift 0" },
      { name: "7 payments exactly once", ok: true, detail: "every order PAID or CANCELLED; 112 refunds, 112 owed" },
      { name: "8 no event lost", ok: true, detail: "outbox 1,803 events, all delivered, one per order version" },
    ],
    targets: [{ name: "202 → row p99 under 1000 ms", met: false, value: "1,204 ms" }],
    answers: answerBuckets(answers, 0.1),
    stock: {
      series: [
        { label: "left in Redis", points: stock },
        { label: "paid", points: paid },
      ],
    },
    latency: [
      { label: "all answers", points: percentileCurve(latency) },
      { label: "accepted (202)", points: percentileCurve(accepted) },
      { label: "payment callbacks", points: percentileCurve(latency.slice(0, 700).map((v) => v * 2)) },
    ],
    lag: histogram(lags),
    lifecycle: [
      {
        title: "orders",
        counts: { paid: 401, "cancelled by buyer": 63, "expired (timeout)": 120, "payment failed": 50 },
      },
      { title: "refunds", counts: { PAID_AFTER_CANCEL: 56, DUPLICATE_PAYMENT: 56 } },
      { title: "events", counts: { ORDER_CONFIRMED: 634, ORDER_PAID: 401, ORDER_CANCELLED: 233 } },
    ],
  };
}

/** The headline sale's shape: answers per second, targets, and the further series (latency per second, CPU, memory). */
export function headlineFixture(): ReportData {
  const base = fixture();
  const seconds = Array.from({ length: 70 }, (_, i) => i);
  const per = (f: (t: number) => number): [number, number][] => seconds.map((t) => [t, f(t)]);
  return {
    ...base,
    title: "Headline sale",
    invariants: base.invariants.map((i) => ({ ...i, ok: true })),
    answers: {
      bucketSeconds: 1,
      startSeconds: seconds,
      series: [
        { outcome: "accepted", label: "accepted (new 202)", counts: seconds.map((t) => (t < 40 ? 2500 : 0)) },
        { outcome: "replayed", label: "replayed 202", counts: seconds.map((t) => (t < 45 ? 4000 : 0)) },
        { outcome: "soldOut", label: "sold out", counts: seconds.map((t) => (t >= 40 ? 14000 : 0)) },
        { outcome: "retryLater", label: "503/429 (retried)", counts: seconds.map((t) => (t % 9 === 0 ? 900 : 0)) },
      ],
    },
    // A million answers, as the headline's crowd records: the curve reaches p99.9999.
    latency: [
      {
        label: "every answer",
        points: percentileCurve(
          Float64Array.from({ length: 1_000_000 }, (_, i) => 1 + (i % 997) * (i % 13 === 0 ? 9 : 0.3)),
        ),
      },
    ],
    stock: {
      series: [
        { label: "stock left in Redis", points: per((t) => Math.max(0, 100_000 - t * 2500)) },
        { label: "rows in MySQL", points: per((t) => Math.min(100_000, t * 2400)) },
      ],
    },
    extra: [
      {
        title: "Latency of each second's answers",
        unit: "ms",
        series: [
          { label: "p50", points: per((t) => 20 + (t % 7)) },
          { label: "p99", points: per((t) => 180 + (t % 11) * 9) },
        ],
      },
      {
        title: "CPU per process (% of one core)",
        unit: "percent",
        series: ["gateway", "writer", "rocketmq", "redis", "mariadb", "load generator", "namesrv", "auditor"].map(
          (label, k) => ({ label, points: per((t) => (k * 13 + t) % 100) }),
        ),
      },
      {
        title: "Redis used memory",
        unit: "bytes",
        series: [{ label: "used_memory", points: per((t) => 4e7 + t * 1.3e6) }],
      },
    ],
  };
}
