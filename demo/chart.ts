/** A uPlot line chart of several curves on different x grids, redrawn as runs add points. */
import uPlot from 'uplot';

export interface Curve {
  color: string;
  x: readonly number[];
  y: readonly number[];
  /** thin dashed line (e.g. training-batch accuracy next to test accuracy) */
  dashed?: boolean;
  /** mark each point (sparse curves such as evaluations) */
  points?: boolean;
}

export interface ChartOptions {
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  yRange?: [number, number];
  /** shown instead of the plot while there is nothing to draw */
  placeholder: string;
}

const HEIGHT = 230;

export class LineChart {
  private plot: uPlot | undefined;
  /** the curves' styles the plot was built for: a change of styles rebuilds it */
  private styleKey = '';

  constructor(
    private readonly element: HTMLElement,
    private readonly options: ChartOptions,
  ) {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(element);
  }

  update(curves: Curve[]): void {
    if (curves.length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.element.replaceChildren(Object.assign(document.createElement('p'), { className: 'placeholder', textContent: this.options.placeholder }));
      return;
    }
    if (!this.plot) this.element.replaceChildren();
    const data = align(curves, this.options.logY ?? false);
    const styleKey = JSON.stringify(curves.map(({ color, dashed, points }) => [color, dashed, points]));
    if (this.plot && styleKey === this.styleKey) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.plot = new uPlot(this.plotOptions(curves), data, this.element);
    this.styleKey = styleKey;
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.element.clientWidth), height: HEIGHT };
  }

  private plotOptions(curves: Curve[]): uPlot.Options {
    const { xLabel, yLabel, logY, yRange } = this.options;
    return {
      ...this.size(),
      legend: { show: false }, // the runs table is the legend
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { distr: logY ? 3 : 1, ...(yRange && { range: yRange }) } },
      axes: [{ label: xLabel }, { label: yLabel, ...(logY && { values: (_: uPlot, ticks: Array<number | null>) => ticks.map(logTick) }) }],
      series: [
        { label: xLabel },
        ...curves.map((c) => ({
          stroke: c.color,
          width: c.dashed ? 1 : 2,
          dash: c.dashed ? [4, 4] : undefined,
          spanGaps: true,
          points: { show: c.points ?? false, size: 5, fill: c.color },
        })),
      ],
    };
  }
}

/** uPlot's default labels round small powers of ten to 0; 1e-5 stays 1e-5 (null: a tick uPlot leaves unlabelled). */
function logTick(v: number | null): string {
  if (v === null) return '';
  return v >= 0.01 && v < 1e4 ? String(v) : v.toExponential(0);
}

/** One x grid for all curves (uPlot.join fills the gaps with null); a log axis cannot show y <= 0. */
function align(curves: Curve[], logY: boolean): uPlot.AlignedData {
  const tables = curves.map((c): uPlot.AlignedData => [c.x as number[], c.y.map((y) => (logY && !(y > 0) ? null : y))]);
  return uPlot.join(tables);
}
