/** Drawing the state: the charts, the runs table, the mask panel and the speed table. */
import { type Curve, LineChart } from './chart.js';
import { clearLayer, drawLayer } from './mask-view.js';
import { initialWeights, type LayerWeights } from './run.js';
import { SPEED_PASSES, SPEED_VARIANTS } from './speed.js';
import type { DemoState, RunState } from './state.js';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

const MASK_HINT = "Train a run to see its layers' masks: stored weights coloured by sign (red +, blue −), pruned ones white; a convolution as one small tile of taps per (output, input) channel pair.";

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

function layerOption(w: LayerWeights, l: number): HTMLOptionElement {
  const k = w.kernel;
  const shape = k ? `conv ${w.rows} × ${k.cIn} × ${k.kh}×${k.kw}${k.stride > 1 ? `, stride ${k.stride}` : ''}` : `${w.rows} × ${w.cols}`;
  return new Option(`layer ${l + 1}: ${shape}`, String(l));
}

function maskCaption(run: RunState, l: number, w: LayerWeights): string {
  const stored = run.layers[l]!.stored;
  const k = w.kernel;
  const total = w.rows * w.cols;
  const moved = w.step === undefined ? '' : `, after the mask update at step ${w.step}`;
  if (!k) return `Run #${run.id}, layer ${l + 1}${moved}: ${w.rows} outputs × ${w.cols} inputs, ${stored} of ${total} weights stored (${percent(stored, total)}). Red +, blue −, white pruned.`;
  return (
    `Run #${run.id}, layer ${l + 1} (convolution${k.stride > 1 ? `, stride ${k.stride}` : ''})${moved}: ${w.rows} output × ${k.cIn} input channels, ` +
    `one ${k.kh} × ${k.kw} tile of taps per pair (rows: output channels); ${stored} of ${total} taps stored (${percent(stored, total)}). ` +
    'Red +, blue −, amber stored but zero (trainable), white pruned.'
  );
}

const fixed = (x: number | undefined, digits: number) => (x === undefined ? '—' : x.toFixed(digits));

export class Views {
  private readonly loss = new LineChart(byId('loss-chart'), { xLabel: 'step', yLabel: 'loss', placeholder: 'No runs yet: choose settings and press Train.' });
  private readonly accuracy = new LineChart(byId('accuracy-chart'), { xLabel: 'step', yLabel: 'accuracy', yRange: [0, 1], placeholder: 'Accuracy appears as runs train.' });
  private readonly jacobian = new LineChart(byId('jacobian-chart'), { xLabel: 'index (ascending)', yLabel: 'singular value', logY: true, placeholder: 'Each run measures its spectrum before training.' });
  private readonly maskRun = byId<HTMLSelectElement>('mask-run');
  /** the weights the mask panel last drew, to redraw when a mask update replaces them */
  private shownWeights: LayerWeights[] | undefined;
  private readonly maskLayer = byId<HTMLSelectElement>('mask-layer');
  private pending = false;

  constructor(private readonly state: DemoState) {
    byId('mask-caption').textContent = MASK_HINT;
    this.maskRun.addEventListener('change', () => this.renderMask());
    this.maskLayer.addEventListener('change', () => this.renderMask());
    const header = document.createElement('tr');
    header.append(...['pass', 'dense', ...SPEED_VARIANTS.map((v) => v.label)].map((text) => Object.assign(document.createElement('th'), { textContent: text })));
    byId('speed').querySelector('thead')!.append(header);
  }

  /** Redraw on the next frame; many state changes within a frame draw once. */
  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  private render(): void {
    const runs = this.state.runs;
    this.loss.update(runs.map((r) => ({ color: r.color, x: r.steps, y: r.loss })));
    this.accuracy.update(
      runs.flatMap((r): Curve[] => [
        { color: r.color, x: r.evalSteps, y: r.testAccuracy, points: true },
        { color: r.color, x: r.steps, y: r.trainAccuracy, dashed: true },
      ]),
    );
    const inspected = runs.filter((r) => r.jacobian);
    this.jacobian.update(inspected.map((r) => ({ color: r.color, x: r.jacobian!.map((_, i) => i + 1), y: r.jacobian!, points: r.jacobian!.length <= 64 })));
    this.renderRuns(runs);
    this.renderMaskChoices(inspected);
    this.renderSpeed();
  }

  private renderRuns(runs: RunState[]): void {
    const rows = runs.map((r) => {
      const tr = document.createElement('tr');
      const swatch = cell('', 'swatch');
      swatch.style.background = r.color;
      const accuracy = r.final?.accuracy ?? r.testAccuracy.at(-1);
      const loss = r.final?.loss ?? r.testLoss.at(-1);
      const j = r.jacobian;
      const jText = j ? `${j[0]!.toExponential(1)} / ${(j.reduce((s, v) => s + v, 0) / j.length).toFixed(3)} / ${j.at(-1)!.toFixed(3)}` : '—';
      const status = r.status === 'failed' ? `failed: ${r.error}` : r.status === 'running' && r.stage ? r.stage : r.status;
      tr.append(
        swatch,
        cell(`#${r.id} ${r.label}`, 'label'),
        cell(status, r.status === 'failed' ? 'error' : undefined),
        cell(`${r.steps.at(-1) ?? 0} / ${r.spec.maxSteps}`),
        // Until the final evaluation, accuracy is on the first spec.evalLimit test images.
        cell(accuracy === undefined ? '—' : `${(100 * accuracy).toFixed(1)}%${r.final ? '' : ` (first ${r.spec.evalLimit})`}`),
        cell(fixed(loss, 3)),
        cell(jText),
        cell(r.final ? r.final.samplesPerSecond.toFixed(0) : '—'),
      );
      return tr;
    });
    if (rows.length === 0) {
      const empty = cell('No runs yet.', 'placeholder');
      empty.colSpan = 8;
      const tr = document.createElement('tr');
      tr.append(empty);
      rows.push(tr);
    }
    byId('runs').querySelector('tbody')!.replaceChildren(...rows);
  }

  /** Keeps the run and layer choices in step with the runs inspected so far: the newest run, unless another was chosen. */
  private renderMaskChoices(inspected: RunState[]): void {
    const previousRun = this.maskRun.value;
    const previousIds = [...this.maskRun.options].map((o) => o.value);
    const runIds = inspected.map((r) => String(r.id));
    if (runIds.join() !== previousIds.join()) {
      this.maskRun.replaceChildren(...inspected.map((r) => new Option(`run #${r.id}`, String(r.id))));
      const chosen = runIds.includes(previousRun) && previousRun !== previousIds.at(-1);
      this.maskRun.value = chosen ? previousRun : (runIds.at(-1) ?? '');
      this.renderMask();
    } else if (initialWeights.get(Number(this.maskRun.value)) !== this.shownWeights) {
      this.renderMask(); // dynamic sparsity moved the shown run's masks
    }
  }

  private renderMask(): void {
    const run = this.state.runs.find((r) => String(r.id) === this.maskRun.value);
    const weights = run && initialWeights.get(run.id);
    const canvas = byId<HTMLCanvasElement>('mask-canvas');
    const caption = byId('mask-caption');
    if (!run || !weights) {
      this.maskLayer.replaceChildren();
      clearLayer(canvas);
      caption.textContent = MASK_HINT;
      return;
    }
    const previous = this.maskLayer.value;
    if (this.maskLayer.options.length !== weights.length || this.maskLayer.dataset.run !== String(run.id)) {
      this.maskLayer.replaceChildren(...weights.map(layerOption));
      this.maskLayer.dataset.run = String(run.id);
      // Default to a hidden layer (a CNN's second convolution): the square ones show a mask's structure best.
      this.maskLayer.value = previous && Number(previous) < weights.length ? previous : String(Math.min(1, weights.length - 1));
    }
    const l = Number(this.maskLayer.value);
    const w = weights[l]!;
    this.shownWeights = weights;
    drawLayer(canvas, w);
    caption.textContent = maskCaption(run, l, w);
  }

  private renderSpeed(): void {
    const speed = this.state.speed;
    const status = byId('speed-status');
    if (speed.status === 'running') status.textContent = `measuring… ${speed.progress ?? ''}`;
    if (speed.status === 'failed') status.textContent = `failed: ${speed.error}`;
    if (speed.status === 'done') status.textContent = `${speed.size} × ${speed.size} weights, batch ${speed.batch}, density ${speed.density} on ${this.state.adapter}`;
    const rows = speed.rows.map((row) => {
      const tr = document.createElement('tr');
      tr.append(cell(SPEED_PASSES.find((p) => p.pass === row.pass)!.label), cell(`${row.denseMs.toFixed(2)} ms`));
      for (const s of row.sparse) tr.append(cell(`${s.ms.toFixed(2)} ms · ${s.speedup.toFixed(2)}×`, s.speedup > 1 ? 'faster' : 'slower'));
      return tr;
    });
    byId('speed').querySelector('tbody')!.replaceChildren(...rows);
  }
}
