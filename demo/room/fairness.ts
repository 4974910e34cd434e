/**
 * Is the pre-queue's shuffle fair? Two tests of place against join time, with their p-values (pure):
 * - chi-square test of independence on a k × k table: join-time bucket (by rank of the join) × place bucket;
 * - Kolmogorov–Smirnov test of the earliest joiners' places against the uniform distribution on 1..P.
 * A fair shuffle gives p-values uniform on [0, 1]; early joiners favoured gives a tiny p-value.
 */

/** ln Γ(x), x > 0 (Lanczos, g = 7, n = 9). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized upper incomplete gamma Q(s, x) = Γ(s, x) / Γ(s). */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const lead = Math.exp(-x + s * Math.log(x) - lnGamma(s));
  if (x < s + 1) {
    // P by its series, Q = 1 − P.
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (s + n);
      sum += term;
    }
    return Math.max(0, 1 - sum * lead);
  }
  // Q by its continued fraction (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, lead * h);
}

/** P(χ²(df) ≥ x). */
export function chiSquarePValue(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/** P(K ≥ λ) of the Kolmogorov distribution: 2 Σ (−1)^(k−1) e^(−2k²λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

export interface TestResult {
  statistic: number;
  pValue: number;
  df?: number;
  n: number;
}

/**
 * Chi-square test of independence of join order and place: buyers sorted by join time, cut into `k` equal
 * groups; places cut into `k` equal ranges of 1..P; (k − 1)² degrees of freedom.
 */
export function chiSquareJoinVsPlace(joinedAt: ArrayLike<number>, place: ArrayLike<number>, k = 10): TestResult {
  const n = joinedAt.length;
  const P = n;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => joinedAt[a]! - joinedAt[b]! || a - b);
  const table = Array.from({ length: k }, () => new Float64Array(k));
  order.forEach((buyer, rank) => {
    const row = Math.min(k - 1, Math.floor((rank * k) / n));
    const col = Math.min(k - 1, Math.floor(((place[buyer]! - 1) * k) / P));
    table[row]![col]!++;
  });
  const rows = table.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = Array.from({ length: k }, (_, j) => table.reduce((a, r) => a + r[j]!, 0));
  let x = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const e = (rows[i]! * cols[j]!) / n;
      if (e > 0) x += (table[i]![j]! - e) ** 2 / e;
    }
  const df = (k - 1) * (k - 1);
  return { statistic: x, pValue: chiSquarePValue(x, df), df, n };
}

/**
 * Kolmogorov–Smirnov test: are the places of the earliest `share` of joiners uniform on 1..P? (An unfair
 * room would put early joiners in front.) D = sup |F_n(u) − u| over u = (place − ½) / P.
 */
export function ksEarlyJoiners(joinedAt: ArrayLike<number>, place: ArrayLike<number>, share = 0.1): TestResult {
  const n = joinedAt.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => joinedAt[a]! - joinedAt[b]! || a - b);
  const m = Math.max(1, Math.floor(n * share));
  const u = order
    .slice(0, m)
    .map((i) => (place[i]! - 0.5) / n)
    .sort((a, b) => a - b);
  let d = 0;
  u.forEach((x, i) => (d = Math.max(d, Math.abs((i + 1) / m - x), Math.abs(x - i / m))));
  const sq = Math.sqrt(m);
  return { statistic: d, pValue: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d), n: m };
}
