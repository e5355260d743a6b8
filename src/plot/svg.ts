/**
 * Line charts as standalone SVG text (loss curves, accuracy, speed vs density): no DOM, no
 * dependencies, so the CLI and benchmarks write them in Node and the page can show the same files.
 */

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Title, axis labels and axis scaling of a line chart. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** log10 axis for x (sizes, densities) */
  logX?: boolean;
  /** log10 axis for y (speedups spanning orders of magnitude) */
  logY?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/**
 * A line chart of `series` (x, y points each) as a standalone SVG document string, with axes, ticks and a legend.
 */
export function lineChart(series: Series[], opts: ChartOptions): string {
  const width = opts.width ?? 720;
  const margin = { left: 70, right: 180, top: 40, bottom: 55 };
  // Tall enough for every legend entry (18 px each), so long comparisons keep all their names.
  const height = Math.max(opts.height ?? 420, margin.top + 20 + 18 * series.length);
  const fx = (x: number) => (opts.logX ? Math.log10(x) : x);
  const fy = (y: number) => (opts.logY ? Math.log10(y) : y);
  const finite = ([x, y]: readonly [number, number]) => Number.isFinite(fx(x)) && Number.isFinite(fy(y));
  const all = series.flatMap((s) => s.points).filter(finite);
  const xs = all.map(([x]) => fx(x));
  const ys = all.map(([, y]) => fy(y));
  const [x0, x1] = padRange(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = padRange(Math.min(...ys), Math.max(...ys));
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + ((fx(x) - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => margin.top + (1 - (fy(y) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - margin.right / 2}" y="22" text-anchor="middle" font-size="15">${escape(opts.title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
  ];
  for (const t of opts.logX ? logTicks(x0, x1) : ticks(x0, x1)) {
    const px = margin.left + ((t - x0) / (x1 - x0)) * plotW;
    const label = opts.logX ? formatNumber(10 ** t) : formatNumber(t);
    parts.push(`<line x1="${px}" y1="${margin.top + plotH}" x2="${px}" y2="${margin.top + plotH + 5}" stroke="#333"/>`);
    parts.push(`<text x="${px}" y="${margin.top + plotH + 18}" text-anchor="middle">${label}</text>`);
  }
  for (const t of opts.logY ? logTicks(y0, y1) : ticks(y0, y1)) {
    const py = margin.top + (1 - (t - y0) / (y1 - y0)) * plotH;
    parts.push(`<line x1="${margin.left}" y1="${py}" x2="${margin.left + plotW}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${py + 4}" text-anchor="end">${formatNumber(opts.logY ? 10 ** t : t)}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escape(opts.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(opts.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    // Past the palette, the same colours come back dashed, then dotted: every series stays distinct.
    const dash = ['', ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"', ' stroke-dasharray="10 3 2 3"'][Math.floor(i / PALETTE.length) % 4];
    const pts = s.points.filter(finite);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts.length <= 40 ? pts : []) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = margin.top + 10 + i * 18;
    parts.push(`<line x1="${width - margin.right + 12}" y1="${ly}" x2="${width - margin.right + 32}" y2="${ly}" stroke="${color}" stroke-width="3"${dash}/>`);
    parts.push(`<text x="${width - margin.right + 38}" y="${ly + 4}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function padRange(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** About six round-numbered ticks inside [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** On a log10 axis from lo to hi: the exponents of 1, 2 and 5 times each power of ten inside it. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(lo); p <= Math.ceil(hi); p++) {
    for (const m of [1, 2, 5]) {
      const t = p + Math.log10(m);
      if (t >= lo && t <= hi) out.push(t);
    }
  }
  return out;
}

function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return Number(v.toPrecision(4)).toString();
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Several charts from lineChart, one above the other, as one SVG. */
export function stackCharts(charts: string[]): string {
  const sizes = charts.map((svg) => {
    const match = /width="(\d+)" height="(\d+)"/.exec(svg);
    if (!match) throw new Error('stackCharts takes SVGs made by lineChart');
    return { width: Number(match[1]), height: Number(match[2]) };
  });
  const width = Math.max(...sizes.map((s) => s.width));
  const height = sizes.reduce((h, s) => h + s.height, 0);
  let y = 0;
  const parts = charts.map((svg, i) => {
    const placed = svg.replace('<svg ', `<svg x="0" y="${y}" `);
    y += sizes[i]!.height;
    return placed;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n${parts.join('\n')}\n</svg>`;
}
