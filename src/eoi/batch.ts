/**
 * EOI for many layers at once on the GPU (API.md `eoiBatch`). The CPU draws each layer's rotations
 * and tracks its structural mask (cheap: bitset unions), exactly as eoi() does; the GPU applies all
 * layers' rotations in batched rounds; the mask-to-CSR step is eoi()'s own, so for the same shape,
 * density and seed the mask is identical and values agree to float32 rounding.
 */
import type { Context } from '../gpu/context.js';
import { givensBatch, type GivensLayer } from '../kernels/givens.js';
import { checkNumberInRange } from '../validate.js';
import type { EoiMatrix } from './eoi.js';
import { eoiCsrFromDense } from './mask-to-csr.js';
import { type EoiSample, sampleEoiRotations } from './sampler.js';
import { packRounds, scheduleRounds } from './schedule.js';

export interface EoiLayerSpec {
  rows: number;
  cols: number;
  density: number;
  /** default 0, as in eoi() */
  seed?: number;
}

export interface EoiBatchOptions {
  /** Multiplier of every layer (all singular values equal it); default 1. */
  gain?: number;
  /** Called after each layer is sampled on the CPU, for progress display on large networks. */
  onSampled?: (done: number, total: number) => void;
}

export async function eoiBatch(ctx: Context, layers: readonly EoiLayerSpec[], opts: EoiBatchOptions = {}): Promise<EoiMatrix[]> {
  if (!Array.isArray(layers)) throw new TypeError(`layers must be an array of { rows, cols, density, seed? }, got ${String(layers)}`);
  const gain = opts.gain === undefined ? 1 : checkNumberInRange('opts.gain', opts.gain, -Number.MAX_VALUE, Number.MAX_VALUE);
  const samples: EoiSample[] = [];
  const gpuLayers: GivensLayer[] = [];
  const rounds: number[] = [];
  layers.forEach((spec, l) => {
    let sample: EoiSample;
    try {
      sample = sampleEoiRotations(spec.rows, spec.cols, spec.density, spec.seed);
    } catch (error) {
      // Name the layer as well as the argument.
      if (error instanceof RangeError || error instanceof TypeError) {
        const Kind = error.constructor as new (message: string) => Error;
        throw new Kind(`layers[${l}]: ${error.message}`);
      }
      throw error;
    }
    const schedule = scheduleRounds(sample.pairs);
    const packed = packRounds(sample, schedule);
    samples.push(sample);
    rounds.push(schedule.rounds);
    gpuLayers.push({ m: sample.m, cols: sample.M, roundPtr: schedule.roundPtr, pairs: packed.pairs, cosSin: packed.cosSin });
    opts.onSampled?.(l + 1, layers.length);
  });
  const matrices = await givensBatch(ctx, gpuLayers);
  return samples.map((sample, l) => ({
    ...eoiCsrFromDense(sample, matrices[l]!, gain),
    rotations: sample.rotations,
    rounds: rounds[l]!,
  }));
}
