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

/** A table of numbers for heatmap: values[r][c] for rows[r] x columns[c], undefined where not measured. */
export interface HeatmapData {
  rows: readonly string[];
  columns: readonly string[];
  values: ReadonlyArray<ReadonlyArray<number | undefined>>;
}

/** Title, cell number format and colour range of a heatmap. */
export interface HeatmapOptions {
  title: string;
  /** the text written in a cell (default: 3 significant digits) */
  format?: (value: number) => string;
  /** the values at the palest and the darkest colour (default: the least and the greatest value) */
  range?: readonly [number, number];
}

/**
 * A grid of coloured cells (a method x recipe table of accuracies, say) as a standalone SVG
 * document string: each cell's colour runs from pale yellow to dark blue with its value over the
 * range, its number written in it; cells without a value (undefined or not finite) are left grey
 * with a dash. Throws a RangeError when values is not rows x columns or range is not low < high.
 */
export function heatmap(data: HeatmapData, opts: HeatmapOptions): string {
  if (data.values.length !== data.rows.length || data.values.some((row) => row.length !== data.columns.length)) {
    throw new RangeError(`heatmap values must be ${data.rows.length} rows of ${data.columns.length} columns`);
  }
  if (opts.range && !(Number.isFinite(opts.range[0]) && Number.isFinite(opts.range[1]) && opts.range[0] < opts.range[1])) {
    throw new RangeError(`heatmap range must be two finite numbers [low, high] with low < high, got [${opts.range.join(', ')}]`);
  }
  const format = opts.format ?? ((v: number) => formatNumber(Number(v.toPrecision(3))));
  const measured = data.values.flat().filter((v): v is number => v !== undefined && Number.isFinite(v));
  const [lo, hi] = opts.range ?? [Math.min(...measured), Math.max(...measured)];
  const cellW = 86;
  const cellH = 26;
  // Wide enough for the longest row name and tall enough for column names turned 45 degrees.
  const left = 16 + 7 * Math.max(0, ...data.rows.map((r) => r.length));
  const top = 50 + 5 * Math.max(0, ...data.columns.map((c) => c.length));
  const width = left + cellW * data.columns.length + 20;
  const height = top + cellH * data.rows.length + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escape(opts.title)}</text>`,
  ];
  data.columns.forEach((name, c) => {
    const x = left + cellW * c + cellW / 2;
    parts.push(`<text transform="translate(${x} ${top - 6}) rotate(-45)">${escape(name)}</text>`);
  });
  data.rows.forEach((name, r) => {
    const y = top + cellH * r;
    parts.push(`<text x="${left - 8}" y="${y + cellH / 2 + 4}" text-anchor="end">${escape(name)}</text>`);
    data.columns.forEach((_, c) => {
      const value = data.values[r]![c];
      const x = left + cellW * c;
      const known = value !== undefined && Number.isFinite(value);
      // Position in [0, 1] over the range; measured values all equal put every cell at the dark end.
      const t = known ? (hi > lo ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 1) : 0;
      const fill = known ? heatColour(t) : '#e6e6e6';
      parts.push(`<rect x="${x}" y="${y}" width="${cellW}" height="${cellH}" fill="${fill}" stroke="white"/>`);
      parts.push(`<text x="${x + cellW / 2}" y="${y + cellH / 2 + 4}" text-anchor="middle" fill="${t > 0.6 ? 'white' : 'black'}">${known ? escape(format(value)) : '—'}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Pale yellow (t = 0) through green to dark blue (t = 1): five stops, linear in RGB between them. */
function heatColour(t: number): string {
  const stops = [
    [255, 255, 204],
    [161, 218, 180],
    [65, 182, 196],
    [44, 127, 184],
    [37, 52, 148],
  ];
  const at = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(at));
  const f = at - i;
  const channel = (c: number) => Math.round(stops[i]![c]! + (stops[i + 1]![c]! - stops[i]![c]!) * f).toString(16).padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}
