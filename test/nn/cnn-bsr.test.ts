// CNNs with block-sparse convolutions (CnnConfig.format { bsr }): the same network in BSR and in
// CSR computes the same logits, loss, input gradient and parameter gradients, and trains the same
// way; a BSR CNN saves and loads; model files with a bad or oversized format are refused.
import { describe, expect, it } from 'vitest';
import { BufferTooLargeError } from '../../src/errors.js';
import type { Context } from '../../src/gpu/context.js';
import { type CnnConfig, checkCnnConfig, cnnConvs } from '../../src/nn/cnn.js';
import { loadCnn } from '../../src/nn/cnn-file.js';
import { decodeModelFile, encodeModelFile } from '../../src/nn/model-file.js';
import { Rng } from '../../src/random.js';
import { describeGpu } from '../harness/gpu.js';
import { cnnFile, SMALL_CNN, UNTOUCHABLE_CONTEXT } from '../validation/model-files.js';

const BATCH = 4;
// cIn 3 and 12 channels: no block size divides the stem's input channels, and 8 and 16 do not
// divide 12 either, so every block size pads somewhere.
const VANILLA: CnnConfig = { inputShape: [3, 6, 5], stem: 1, depth: 2, channels: 12, kernel: 3, paddingMode: 'zeros', classes: 3, density: 0.5, init: 'uniform', activation: 'tanh', sigmaW: 1, sigmaB: 0.1, seed: 4 };
const VGG: CnnConfig = { ...VANILLA, architecture: 'vgg', stem: 0, depth: 2, channels: 6, inputShape: [3, 8, 7], paddingMode: 'circular' };

/**
 * Largest |a - b| over max |b| (at least 1e-30). Both networks round every value of every layer:
 * each is a float32 dot product of at most k = 12 channels x 9 taps = 108 terms (bias included),
 * in a different order in the two formats, so each layer's value is off by at most gamma_108 ≈
 * 6.4e-6 of its magnitude, plus the activation's 16 ulps ≈ 1e-6; with 1-Lipschitz tanh and gains
 * near 1, errors add over the at most 5 layers of a pass (10 for a gradient: forward, then
 * backward), for each network: a tolerance of 2 x 10 x 7.4e-6 ≈ 1.5e-4 of the tensor's largest
 * entry covers forward and backward. A block at the wrong place or a dropped tap errs by O(1).
 */
const TOLERANCE = 1.5e-4;
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}

function batchFor(config: CnnConfig, seed: number) {
  const rng = new Rng(seed);
  const [c, h, w] = config.inputShape;
  return {
    x: Float32Array.from({ length: BATCH * c * h * w }, () => rng.nextNormal()),
    labels: Uint32Array.from({ length: BATCH }, () => rng.nextInt(config.classes)),
  };
}

type Twin = { logits: Float32Array; loss: number; dx: Float32Array; grads: Float32Array[]; losses: number[]; filters: Float32Array[]; formats: unknown[] };

describeGpu('cnnBsr', (run) => {
  const STEPS = 6;
  const cases = [
    { name: 'vanilla, BSR-4, block mask', config: { ...VANILLA, format: { bsr: 4 } }, blockDensity: 0.5 },
    { name: 'vanilla, BSR-8, block mask', config: { ...VANILLA, format: { bsr: 8 } }, blockDensity: 0.5 },
    { name: 'vanilla, BSR-16, block mask (one padded block)', config: { ...VANILLA, format: { bsr: 16 } }, blockDensity: 1 },
    { name: 'vgg, BSR-4, block mask', config: { ...VGG, format: { bsr: 4 } }, blockDensity: 0.5 },
    { name: 'vanilla, BSR-4, the init’s element mask', config: { ...VANILLA, format: { bsr: 4 } }, blockDensity: null },
  ] satisfies Array<{ name: string; config: CnnConfig; blockDensity: number | null }>;
  for (const c of cases) {
    it(`${c.name}: forward, backward and ${STEPS} SGD steps equal the CSR CNN's; the loss falls`, async () => {
      const { x, labels } = batchFor(c.config, 31);
      const out: { bsr: Twin; csr: Twin } = await run('twins', { config: c.config, blockDensity: c.blockDensity, x, labels, batch: BATCH, steps: STEPS });
      const convs = cnnConvs(c.config).length;
      expect(out.bsr.formats).toEqual(Array(convs).fill(c.config.format));
      expect(out.csr.formats).toEqual(Array(convs).fill('csr'));
      expect(relativeError(out.bsr.logits, out.csr.logits)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(out.bsr.loss - out.csr.loss)).toBeLessThanOrEqual(TOLERANCE * out.csr.loss);
      expect(relativeError(out.bsr.dx, out.csr.dx)).toBeLessThanOrEqual(TOLERANCE);
      expect(out.bsr.grads.length).toBe(out.csr.grads.length);
      out.bsr.grads.forEach((g, i) => expect(relativeError(g, out.csr.grads[i]!), `gradient ${i}`).toBeLessThanOrEqual(TOLERANCE));
      // The trajectories: each step's loss and the trained filters, same bound (six small steps barely compound it).
      out.bsr.losses.forEach((l, s) => expect(Math.abs(l - out.csr.losses[s]!), `loss after step ${s}`).toBeLessThanOrEqual(TOLERANCE * out.csr.losses[s]!));
      out.bsr.filters.forEach((f, l) => expect(relativeError(f, out.csr.filters[l]!), `filter ${l}`).toBeLessThanOrEqual(TOLERANCE));
      // It trains: small full-batch SGD steps on four examples lower the loss at every step, in all by
      // far more than the two formats' float32 disagreement.
      out.bsr.losses.slice(1).forEach((l, s) => expect(l, `loss after step ${s + 1}`).toBeLessThan(out.bsr.losses[s]!));
      expect(out.bsr.losses[0]! - out.bsr.losses[STEPS]!).toBeGreaterThan(10 * TOLERANCE * out.bsr.losses[0]!);
    });
  }

  for (const bsr of [4, 16] as const) {
    it(`BSR-${bsr} CNN: saved and loaded, it predicts exactly as before and is BSR again`, async () => {
      const config: CnnConfig = { ...VANILLA, format: { bsr } };
      const { x } = batchFor(config, 5);
      const out = await run('roundTrip', { config, blockDensity: 0.5, x, batch: BATCH });
      expect(Array.from(out.loaded)).toEqual(Array.from(out.original));
      expect(out.config).toEqual(config);
      expect(out.formats).toEqual(Array(cnnConvs(config).length).fill({ bsr }));
    });
  }

  it('a CNN file without a format (as every version-2 CNN file was) loads as CSR', async () => {
    const file = cnnFile(SMALL_CNN);
    expect((decodeModelFile(file).config as { format?: unknown }).format).toBeUndefined();
    const { x } = batchFor(SMALL_CNN, 6);
    const out = await run('roundTrip', { config: SMALL_CNN, blockDensity: 1, x, batch: BATCH, file });
    expect(out.formats).toEqual(Array(cnnConvs(SMALL_CNN).length).fill('csr'));
    expect(out.config.format).toBeUndefined();
  });
});

/** SMALL_CNN's file with its config's format set to `format`. */
function withFormat(format: unknown): Uint8Array {
  const file = decodeModelFile(cnnFile(SMALL_CNN));
  return encodeModelFile({ config: { ...(file.config as object), format }, tensors: file.tensors });
}

describe('CNN format, as config and in model files (no GPU)', () => {
  it('checkCnnConfig accepts csr and bsr 4, 8, 16 and refuses anything else, naming format', () => {
    for (const format of ['csr', { bsr: 4 }, { bsr: 8 }, { bsr: 16 }, undefined] as const) expect(() => checkCnnConfig({ ...SMALL_CNN, format })).not.toThrow();
    for (const format of [{ bsr: 32 }, { bsr: 3 }, 'bsr8', null, {}, [4]]) {
      expect(() => checkCnnConfig({ ...SMALL_CNN, format } as unknown as CnnConfig)).toThrow(/^format must be 'csr' or \{ bsr: 4 \| 8 \| 16 \}, got /);
    }
  });

  it('a file whose format is not csr or bsr 4, 8, 16 is refused before the GPU is touched', () => {
    for (const format of [{ bsr: 32 }, { bsr: 2 }, 'bsr4', 8, null]) {
      expect(() => loadCnn(UNTOUCHABLE_CONTEXT, withFormat(format))).toThrow(RangeError);
      expect(() => loadCnn(UNTOUCHABLE_CONTEXT, withFormat(format))).toThrow(/format must be 'csr' or \{ bsr: 4 \| 8 \| 16 \}/);
    }
  });

  it('a BSR CNN whose blocks could not fit one storage buffer is refused, naming the convolution, before any buffer', () => {
    // Only the limit may be read: any other use of the context means a buffer was on its way.
    const limits = { maxStorageBufferBindingSize: 4096 };
    const tiny = new Proxy({} as Context, {
      get(_target, key) {
        if (key === 'limits') return limits;
        throw new Error(`the context was used (${String(key)}) before the file was refused`);
      },
    });
    // SMALL_CNN's stem: 4 x 1 channels, 3 x 3 taps; with 16-blocks one block is 9 x 16² x 4 = 9216 bytes.
    let error: unknown;
    try {
      loadCnn(tiny, withFormat({ bsr: 16 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BufferTooLargeError);
    expect((error as Error).message).toMatch(/^convolution 0's BSR blocks \(at most\) needs 9216 bytes, above this device's maxStorageBufferBindingSize \(4096 bytes\)/);
  });
});
