/**
 * The demo page: checks for WebGPU, loads the MNIST subset, and runs what the buttons ask for
 * (training runs, the speed benchmark) one at a time on one GPU context, since concurrent work
 * would slow every run and spoil the timings.
 */
import { type CnnInit, type Context, createContext, type Dataset, type MlpInit, type TrainSpec } from '../src/index.js';
import { describeRun, everyInit, readSpec, setUpControls } from './controls.js';
import { loadMnist } from './data.js';
import { initialWeights, trainRun } from './run.js';
import { measureSpeed } from './speed.js';
import { type DemoState, type RunState, state } from './state.js';
import { Views } from './views.js';

declare global {
  interface Window {
    /** the plotted values, for tests and the console */
    demoState: DemoState;
  }
}
window.demoState = state;

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const NO_WEBGPU =
  'This browser has no WebGPU (navigator.gpu is missing), so the demo cannot run here. ' +
  'Use a browser with WebGPU on, such as a recent Chrome or Edge (on Linux, enable chrome://flags/#enable-unsafe-webgpu), ' +
  'and open the page from https:// or localhost: WebGPU needs a secure context.';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = byId<HTMLFormElement>('controls');
const views = new Views(state);

function showStatus(text: string, kind: 'ok' | 'error'): void {
  const status = byId('status');
  status.textContent = text;
  status.className = `status ${kind}`;
}

/** GPU work runs in order of request: each job starts when the previous one has finished. */
let gpuQueue: Promise<void> = Promise.resolve();
function enqueue(job: () => Promise<void>): void {
  gpuQueue = gpuQueue.then(job).catch((error: Error) => showStatus(`Unexpected error: ${error.message}`, 'error'));
}

let nextRunId = 1;

function addRun(ctx: Context, data: { train: Dataset; test: Dataset }, spec: TrainSpec): void {
  const id = nextRunId++;
  const run: RunState = {
    id,
    label: describeRun(spec),
    color: PALETTE[(id - 1) % PALETTE.length]!,
    spec,
    status: 'queued',
    stage: '',
    steps: [],
    loss: [],
    trainAccuracy: [],
    evalSteps: [],
    testLoss: [],
    testAccuracy: [],
    layers: [],
  };
  state.runs.push(run);
  views.schedule();
  enqueue(() => trainRun(ctx, run, data, () => views.schedule()));
}

/** Adds runs for the form's settings (one per init in `inits`, or the form's own init). */
function requestRuns(ctx: Context, data: { train: Dataset; test: Dataset }, inits: Array<MlpInit | CnnInit | undefined>): void {
  try {
    const specs = inits.map((init) => readSpec(form, init));
    for (const spec of specs) addRun(ctx, data, spec);
    showStatus(`WebGPU adapter: ${state.adapter}`, 'ok');
  } catch (error) {
    showStatus(`Check the settings: ${(error as Error).message}`, 'error');
  }
}

function wireSpeedPanel(ctx: Context): void {
  const speedForm = byId<HTMLFormElement>('speed-form');
  const button = byId<HTMLButtonElement>('speed-run');
  button.disabled = false;
  speedForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields = new FormData(speedForm);
    const settings = { size: Number(fields.get('size')), batch: Number(fields.get('batch')), density: Number(fields.get('density')) };
    button.disabled = true;
    Object.assign(state.speed, { status: 'running', progress: 'waiting for the GPU', ...settings });
    views.schedule();
    enqueue(async () => {
      try {
        state.speed.rows = await measureSpeed(ctx, settings, (line) => {
          state.speed.progress = line;
          views.schedule();
        });
        state.speed.status = 'done';
      } catch (error) {
        state.speed.status = 'failed';
        state.speed.error = (error as Error).message;
      }
      button.disabled = false;
      views.schedule();
    });
  });
}

function wireTraining(ctx: Context, data: { train: Dataset; test: Dataset }): void {
  const train = byId<HTMLButtonElement>('train');
  const trainAll = byId<HTMLButtonElement>('train-all');
  train.disabled = trainAll.disabled = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    requestRuns(ctx, data, [undefined]);
  });
  trainAll.addEventListener('click', () => requestRuns(ctx, data, everyInit(form)));
}

function wireClear(): void {
  byId('clear').addEventListener('click', () => {
    // Queued and running runs stay: their jobs are already in the GPU queue.
    state.runs = state.runs.filter((r) => r.status === 'queued' || r.status === 'running');
    for (const id of initialWeights.keys()) if (!state.runs.some((r) => r.id === id)) initialWeights.delete(id);
    views.schedule();
  });
}

async function start(): Promise<void> {
  setUpControls(form);
  wireClear();
  if (!navigator.gpu) {
    state.webgpu = 'missing';
    showStatus(NO_WEBGPU, 'error');
    return;
  }
  let ctx: Context;
  try {
    ctx = await createContext();
  } catch (error) {
    state.webgpu = 'unavailable';
    showStatus(`WebGPU is present but gave no GPU: ${(error as Error).message}`, 'error');
    return;
  }
  state.webgpu = 'ready';
  state.adapter = ctx.adapterName;
  showStatus(`WebGPU adapter: ${state.adapter}`, 'ok');
  wireSpeedPanel(ctx);
  const dataStatus = byId('data-status');
  dataStatus.textContent = 'MNIST: loading…';
  const data = await loadMnist();
  state.data = { train: data.train.count, test: data.test.count };
  dataStatus.textContent = `MNIST: the first ${data.train.count} training and ${data.test.count} test images.`;
  wireTraining(ctx, data);
  views.schedule();
}

start().catch((error: Error) => showStatus(`The demo failed to start: ${error.message}`, 'error'));
