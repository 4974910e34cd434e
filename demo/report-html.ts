/** A self-contained HTML page with inline SVG charts: no scripts, no network. */

export interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], w = 640, h = 260): string {
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1e-9, ...all.map((p) => p[0]));
  const maxY = Math.max(1e-9, ...all.map((p) => p[1]));
  const [L, R, T, B] = [56, 16, 28, 40];
  const x = (v: number) => L + (v / maxX) * (w - L - R);
  const y = (v: number) => h - B - (v / maxY) * (h - T - B);
  const paths = series
    .map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ")}"/>`)
    .join("");
  const legend = series.map((s, i) => `<text x="${L + 8 + i * 150}" y="${T - 8}" fill="${s.color}" font-size="12">■ ${esc(s.label)}</text>`).join("");
  const ticks = [0, 0.5, 1]
    .map((f) => `<text x="${L - 6}" y="${y(maxY * f) + 4}" text-anchor="end" font-size="11">${fmt(maxY * f)}</text><text x="${x(maxX * f)}" y="${h - B + 16}" text-anchor="middle" font-size="11">${fmt(maxX * f)}</text>`)
    .join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">
<rect x="${L}" y="${T}" width="${w - L - R}" height="${h - T - B}" fill="#fafafa" stroke="#ccc"/>${paths}${legend}${ticks}
<text x="${(L + w - R) / 2}" y="${h - 6}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>
<text x="14" y="${(T + h - B) / 2}" transform="rotate(-90 14 ${(T + h - B) / 2})" text-anchor="middle" font-size="12">${esc(yLabel)}</text></svg></figure>`;
}

export function histogram(title: string, xLabel: string, values: number[], bins = 30, color = "#3366cc"): string {
  if (values.length === 0) return `<p>${esc(title)}: no data</p>`;
  const sorted = [...values].sort((a, b) => a - b);
  const hi = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.995))]!;
  const width = Math.max(hi, 1e-9) / bins;
  const counts = new Array(bins).fill(0) as number[];
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]!++;
  return lineChart(title, xLabel, "count", [{ label: `${values.length} samples`, color, points: counts.map((c, i) => [(i + 0.5) * width, c]) }]);
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function page(title: string, summary: Record<string, unknown>, charts: string[]): string {
  const rows = Object.entries(summary)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === "object" ? JSON.stringify(v) : String(v))}</td></tr>`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}</style>
</head><body><h1>${esc(title)}</h1><table>${rows}</table>${charts.join("\n")}</body></html>`;
}
