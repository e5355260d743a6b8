/**
 * EOI for many layers at once on the GPU. The CPU draws each layer's rotations and tracks its
 * structural mask (cheap: bitset unions), exactly as eoi() does; the GPU applies all layers'
 * rotations in batched rounds; the mask-to-CSR step is eoi()'s own, so for the same shape, density
 * and seed the mask is identical and values agree to float32 rounding. eoiConvBatch does the same
 * for convolution kernels: their centre matrices go through one batch, and the rest of each kernel
 * (placement, top-up) is eoiConv's own code.
 */
import type { Context } from '../gpu/context.js';
import { givensBatch, type GivensLayer } from '../kernels/givens.js';
import { checkObject } from '../validate.js';
import { assembleEoiConv, checkGain, type EoiConvKernel, planEoiConv } from './conv.js';
import type { EoiMatrix } from './eoi.js';
import { eoiCsrFromDense } from './mask-to-csr.js';
import { type EoiSample, sampleEoiRotations } from './sampler.js';
import { packRounds, scheduleRounds } from './schedule.js';

/** One layer of eoiBatch(): its shape, density and seed, with eoi()'s meaning. */
export interface EoiLayerSpec {
  rows: number;
  cols: number;
  density: number;
  /** default 0, as in eoi() */
  seed?: number;
}

/** One convolution kernel (cOut, cIn, k, k), with eoiConv's options. */
export interface EoiConvLayerSpec {
  cOut: number;
  cIn: number;
  /** odd */
  k: number;
  density: number;
  /** default 0, as in eoiConv() */
  seed?: number;
  /** as in eoiConv(); default false */
  moreNonzeros?: boolean;
}

/** Options of eoiBatch() and eoiConvBatch(). */
export interface EoiBatchOptions {
  /** Multiplier of every layer (all singular values equal it); default 1. */
  gain?: number;
  /** Called after each layer is sampled on the CPU, for progress display on large networks. */
  onSampled?: (done: number, total: number) => void;
}

/**
 * EOI for many layers at once on the GPU (batched rounds of disjoint Givens rotations). For the
 * same shape, density and seed, each result has exactly eoi()'s mask and, to float32 rounding, its
 * values: layers[i] gives a rows x cols CSR matrix whose rows or columns are orthonormal times
 * `opts.gain`.
 *
 * @throws RangeError or TypeError naming the layer and field (rows, cols, density, seed) or
 * opts.gain when out of range, before any GPU work; BufferTooLargeError when one layer does not
 * fit the device's buffers
 *
 * @example
 * ```ts
 * const ctx = await createContext();
 * const layers = await eoiBatch(ctx, Array.from({ length: 100 }, (_, seed) => ({ rows: 128, cols: 128, density: 0.125, seed })));
 * ```
 */
export async function eoiBatch(ctx: Context, layers: readonly EoiLayerSpec[], opts: EoiBatchOptions = {}): Promise<EoiMatrix[]> {
  checkLayers(layers, '{ rows, cols, density, seed? }');
  const gain = checkGain('opts.gain', opts.gain);
  const samples = layers.map((spec, l) => {
    const sample = namingLayer(l, () => sampleEoiRotations(spec.rows, spec.cols, spec.density, spec.seed));
    opts.onSampled?.(l + 1, layers.length);
    return sample;
  });
  return rotateOnGpu(ctx, samples, gain);
}

/**
 * eoiConv for many kernels, with every centre matrix computed in one batch on the GPU. Per layer
 * the result is eoiConv's for the same arguments: the same mask and top-up positions exactly, the
 * same values to float32 rounding.
 */
export async function eoiConvBatch(ctx: Context, layers: readonly EoiConvLayerSpec[], opts: EoiBatchOptions = {}): Promise<EoiConvKernel[]> {
  checkLayers(layers, '{ cOut, cIn, k, density, seed?, moreNonzeros? }');
  const gain = checkGain('opts.gain', opts.gain);
  const plans = layers.map((spec, l) => {
    checkObject(`layers[${l}]`, spec, 'a { cOut, cIn, k, density, seed?, moreNonzeros? }');
    const plan = namingLayer(l, () => planEoiConv(spec.cOut, spec.cIn, spec.k, spec));
    opts.onSampled?.(l + 1, layers.length);
    return plan;
  });
  const centres = await rotateOnGpu(ctx, plans.map((p) => p.sample), gain);
  return plans.map((plan, l) => assembleEoiConv(plan, centres[l]!));
}

function checkLayers(layers: unknown, what: string): void {
  if (!Array.isArray(layers)) throw new TypeError(`layers must be an array of ${what}, got ${String(layers)}`);
}

/** Runs `body`, prefixing the message of an argument error with the layer's index. */
function namingLayer<T>(l: number, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      const Kind = error.constructor as new (message: string) => Error;
      throw new Kind(`layers[${l}]: ${error.message}`);
    }
    throw error;
  }
}

/** All samples' rotations applied on the GPU, each turned into W = gain·A (or gain·Aᵀ) with its mask. */
async function rotateOnGpu(ctx: Context, samples: readonly EoiSample[], gain: number): Promise<EoiMatrix[]> {
  const rounds: number[] = [];
  const gpuLayers: GivensLayer[] = samples.map((sample) => {
    const schedule = scheduleRounds(sample.pairs);
    const packed = packRounds(sample, schedule);
    rounds.push(schedule.rounds);
    return { m: sample.m, cols: sample.M, roundPtr: schedule.roundPtr, pairs: packed.pairs, cosSin: packed.cosSin };
  });
  const matrices = await givensBatch(ctx, gpuLayers);
  return samples.map((sample, l) => ({
    ...eoiCsrFromDense(sample, matrices[l]!, gain),
    rotations: sample.rotations,
    rounds: rounds[l]!,
  }));
}
