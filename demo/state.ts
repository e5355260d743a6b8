/**
 * Everything the page plots, as plain data. It is also window.demoState, so tests (and curious
 * visitors, from the console) read exactly the values the charts show.
 */
import type { TrainSpec } from '../src/index.js';
import type { SpeedRow } from './speed.js';

export type RunStatus = 'queued' | 'running' | 'done' | 'failed';

/** A conv layer's kernel: input channels, kernel height and width (OIHW columns), stride. */
export interface ConvKernel {
  cIn: number;
  kh: number;
  kw: number;
  stride: number;
}

/** One linear or conv layer at initialisation: its shape and how many weights its mask keeps. */
export interface LayerSummary {
  /** outputs (a conv layer's output channels) */
  rows: number;
  /** inputs (a conv layer's cIn·kh·kw taps) */
  cols: number;
  stored: number;
  /** conv layers only */
  kernel?: ConvKernel;
}

export interface RunState {
  id: number;
  /** short description for legends, e.g. "eoi 4×64 d=0.25 tanh sgd 0.01" or "eoi CNN 2+4×16ch 3×3 d=0.25 …" */
  label: string;
  color: string;
  spec: TrainSpec;
  status: RunStatus;
  /** what the run is doing now (runTraining's stages) */
  stage: string;
  error?: string;
  /** training batches, read back every spec.logEvery steps */
  steps: number[];
  loss: number[];
  trainAccuracy: number[];
  /** held-out evaluations */
  evalSteps: number[];
  testLoss: number[];
  testAccuracy: number[];
  /** singular values of the input-output Jacobian at init, ascending */
  jacobian?: number[];
  layers: LayerSummary[];
  final?: { loss: number; accuracy: number; samplesPerSecond: number; elapsedMs: number };
}

export interface SpeedState {
  status: 'idle' | 'running' | 'done' | 'failed';
  size?: number;
  batch?: number;
  density?: number;
  rows: SpeedRow[];
  /** the benchmark's latest progress line while it runs */
  progress?: string;
  error?: string;
}

export interface DemoState {
  /** 'missing': no navigator.gpu; 'unavailable': no adapter or device */
  webgpu: 'checking' | 'ready' | 'missing' | 'unavailable';
  adapter: string;
  data: { train: number; test: number } | null;
  runs: RunState[];
  speed: SpeedState;
}

export const state: DemoState = {
  webgpu: 'checking',
  adapter: '',
  data: null,
  runs: [],
  speed: { status: 'idle', rows: [] },
};
