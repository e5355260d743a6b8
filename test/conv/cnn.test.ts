import { describe, expect, it } from 'vitest';
import type { ActivationName } from '../../src/kernels/activation.js';
import { type CnnConfig, type CnnInit, type CnnReadout, checkCnnConfig, cnnBody, cnnConvs, cnnDensities, cnnOutputShape, cnnReadoutFeatures, initCnn } from '../../src/nn/cnn.js';
import { Rng } from '../../src/random.js';
import { convBsrFromCsr } from '../../src/sparse/conv-bsr.js';
import { convForwardRef, globalAvgPoolRef, matmulRef } from '../../src/sparse/index.js';
import { activationRef } from '../../src/train/activation-reference.js';
import { softmaxXentRef } from '../../src/train/softmax-xent-reference.js';
import { decodeModelFile, encodeModelFile } from '../../src/nn/model-file.js';
import { expectGradientsMatchFiniteDifferences } from '../harness/finite-differences.js';
import { describeGpu } from '../harness/gpu.js';

// The whole CNN checked end to end: the GPU's gradients of the batch-mean loss against central
// finite differences of a float64 CPU forward pass built from the float64 conv references.
const BATCH = 3;
const BASE: Omit<CnnConfig, 'init' | 'activation' | 'paddingMode'> = {
  inputShape: [2, 7, 6],
  stem: 1,
  depth: 2,
  channels: 4,
  kernel: 3,
  classes: 3,
  density: 0.5,
  sigmaW: 1,
  sigmaB: 0.1,
  seed: 5,
};

type Mask = { rowPtr: Uint32Array; colIdx: Uint32Array };
type Param = { name: string; value: Float32Array; grad: Float32Array };

/** 2x2 average pooling at stride 2 of batch x c x h x w (odd last rows and columns dropped). */
function avgPool2x2(x: ArrayLike<number>, [c, h, w]: readonly number[]): Float64Array {
  const [ho, wo] = [Math.floor(h! / 2), Math.floor(w! / 2)];
  const y = new Float64Array(BATCH * c! * ho * wo);
  for (let n = 0; n < BATCH * c!; n++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const at = (yy: number, xx: number) => x[(n * h! + 2 * oy + yy) * w! + 2 * ox + xx]!;
        y[(n * ho + oy) * wo + ox] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
      }
    }
  }
  return y;
}

function referenceLoss(config: CnnConfig, masks: Mask[], params: Float64Array[], x: Float32Array, labels: Uint32Array): number {
  let h: ArrayLike<number> = x;
  let l = 0;
  for (const stage of cnnBody(config)) {
    if ('pool' in stage) {
      h = avgPool2x2(h, stage.pool);
      continue;
    }
    const { cOut, shape } = stage.conv;
    const filter = { rows: cOut, cols: shape.cIn * shape.kh * shape.kw, ...masks[l]!, values: params[2 * l]! };
    h = activationRef(config.activation, convForwardRef(filter, h, { ...shape, batch: BATCH }, params[2 * l + 1]!));
    l++;
  }
  const [channels, ho, wo] = cnnOutputShape(config);
  // Flattened: the batch-major C x H x W image is already the classifier's input.
  const flatten = config.readout === 'flatten';
  const features = flatten ? channels * ho * wo : channels;
  const read = flatten ? h : globalAvgPoolRef(h, BATCH, channels, ho * wo);
  const head = l;
  const logits = matmulRef(read, params[2 * head]!, { m: BATCH, k: features, n: config.classes, transposeB: true }, params[2 * head + 1]!);
  return softmaxXentRef(logits, labels, { batch: BATCH, classes: config.classes }).loss.reduce((s, v) => s + v, 0) / BATCH;
}

describe('CNN structure', () => {
  it('stem layers halve the image at stride 2, the body keeps it; densities per convolution', () => {
    const config: CnnConfig = { ...BASE, inputShape: [1, 28, 28], stem: 2, depth: 3, channels: 8, init: 'erk', activation: 'tanh' };
    const convs = cnnConvs(config);
    expect(convs.map((c) => [c.shape.cIn, c.shape.h, c.shape.stride])).toEqual([[1, 28, 2], [8, 14, 2], [8, 7, 1], [8, 7, 1], [8, 7, 1]]);
    expect(cnnOutputShape(config)).toEqual([8, 7, 7]);
    const densities = cnnDensities(config);
    // ERK gives the 1-channel stem layer (fewest weights) the highest density.
    expect(densities[0]).toBeGreaterThan(densities[2]!);
    expect(cnnDensities({ ...config, init: 'delta-orthogonal' })).toEqual([1, 1, 1, 1, 1]);
  });

  it('VGG-style: conv-conv-pool stages, channels doubling, the image halved by each pooling', () => {
    const config: CnnConfig = { ...BASE, architecture: 'vgg', inputShape: [1, 28, 28], stem: 0, depth: 3, channels: 8, init: 'uniform', activation: 'relu' };
    const body = cnnBody(config);
    expect(body.map((s) => ('pool' in s ? `pool ${s.pool.join('x')}` : `conv ${s.conv.shape.cIn}->${s.conv.cOut} @${s.conv.shape.h}`))).toEqual([
      'conv 1->8 @28', 'conv 8->8 @28', 'pool 8x28x28', 'conv 8->16 @14', 'conv 16->16 @14', 'pool 16x14x14', 'conv 16->32 @7', 'conv 32->32 @7', 'pool 32x7x7',
    ]);
    expect(cnnOutputShape(config)).toEqual([32, 3, 3]);
    expect(initCnn(config).classifier.length).toBe(BASE.classes * 32);
    expect(() => checkCnnConfig({ ...config, depth: 6 })).toThrow(/stem \+ depth must leave at least one pixel: 6 halvings shrink 28 x 28/);
  });

  it('a flattened readout gives the classifier every value of the last image', () => {
    const config: CnnConfig = { ...BASE, inputShape: [1, 28, 28], stem: 2, depth: 3, channels: 8, init: 'eoi', activation: 'tanh', readout: 'flatten' };
    expect(cnnReadoutFeatures(config)).toBe(8 * 7 * 7);
    expect(cnnReadoutFeatures({ ...config, readout: 'global-average' })).toBe(8);
    expect(cnnReadoutFeatures({ ...config, readout: undefined })).toBe(8);
    expect(initCnn(config).classifier.length).toBe(BASE.classes * 8 * 7 * 7);
  });

  it('the same seed gives the same filters; EOI filters hold round(d·numel) taps', () => {
    const config: CnnConfig = { ...BASE, init: 'eoi', activation: 'tanh' };
    const a = initCnn(config);
    const b = initCnn(config);
    expect(a.filters.map((f) => Array.from(f.values))).toEqual(b.filters.map((f) => Array.from(f.values)));
    cnnConvs(config).forEach(({ cOut, shape }, l) => expect(a.filters[l]!.values.length).toBe(Math.round(0.5 * cOut * shape.cIn * 9)));
  });

  it('refuses bad configs, naming the field and its range', () => {
    const ok: CnnConfig = { ...BASE, init: 'eoi', activation: 'tanh' };
    expect(() => checkCnnConfig({ ...ok, kernel: 4 })).toThrow(/kernel must be odd/);
    expect(() => checkCnnConfig({ ...ok, depth: 0 })).toThrow(/depth must be an integer in \[1, 100000\]/);
    expect(() => checkCnnConfig({ ...ok, stem: 3 })).toThrow(/stem must leave at least one pixel/);
    expect(() => checkCnnConfig({ ...ok, init: 'orthogonal' as CnnInit })).toThrow(/init must be one of eoi, uniform/);
    expect(() => checkCnnConfig({ ...ok, paddingMode: 'reflect' as never })).toThrow(/paddingMode must be one of zeros, circular/);
    expect(() => checkCnnConfig({ ...ok, readout: 'max' as never })).toThrow(/readout must be one of global-average, flatten, got max/);
    expect(() => checkCnnConfig({ ...ok, inputShape: [1, 28] as never })).toThrow(/inputShape must be \[channels, h, w\]/);
    expect(() => checkCnnConfig({ ...ok, density: 0 })).toThrow(/density must be a number in \(0, 1\]/);
    // Block masks: random ones (uniform, erk), stored in blocks of their size.
    const blocks: CnnConfig = { ...ok, init: 'erk', format: { bsr: 8 }, blockMask: true };
    expect(() => checkCnnConfig(blocks)).not.toThrow();
    expect(() => checkCnnConfig({ ...blocks, format: 'csr' })).toThrow(/blockMask draws masks of whole blocks: it needs format \{ bsr: 4 \| 8 \| 16 \}, got 'csr'/);
    expect(() => checkCnnConfig({ ...blocks, init: 'eoi' })).toThrow(/blockMask needs init 'uniform' or 'erk' \(random block masks\), got 'eoi'/);
    expect(() => checkCnnConfig({ ...blocks, blockMask: 1 as never })).toThrow(new TypeError('blockMask must be a boolean, got 1'));
  });

  it('with blockMask draws every sparse convolution from whole blocks, round(density·blocks) of them', () => {
    const config: CnnConfig = { ...BASE, channels: 8, init: 'uniform', activation: 'relu', format: { bsr: 4 }, blockMask: true };
    const { filters } = initCnn(config);
    cnnConvs(config).forEach(({ cOut, shape }, l) => {
      const f = convBsrFromCsr(filters[l]!, shape, 4);
      expect(f.elementMask).toBeUndefined();
      expect(f.colIdx.length).toBe(Math.round(config.density * Math.ceil(cOut / 4) * Math.ceil(shape.cIn / 4)));
    });
  });
});

const CASES: Array<{ init: CnnInit; activation: ActivationName; paddingMode: 'zeros' | 'circular'; architecture?: 'vgg'; readout?: CnnReadout }> = [
  { init: 'erk', activation: 'relu', paddingMode: 'zeros', architecture: 'vgg' },
  { init: 'eoi', activation: 'tanh', paddingMode: 'circular' },
  { init: 'eoi', activation: 'tanh', paddingMode: 'circular', readout: 'flatten' },
  { init: 'uniform', activation: 'relu', paddingMode: 'zeros' },
  { init: 'masked-delta-orthogonal', activation: 'tanh', paddingMode: 'zeros' },
  { init: 'delta-orthogonal', activation: 'tanh', paddingMode: 'circular' },
  { init: 'dense-gaussian', activation: 'softplus', paddingMode: 'zeros' },
];

describeGpu('cnn', (run) => {
  for (const c of CASES) {
    it(`${c.architecture ?? 'vanilla'} ${c.init} CNN, ${c.activation}, ${c.paddingMode} padding, ${c.readout ?? 'global-average'} readout: gradients match finite differences`, async () => {
      const config: CnnConfig = { ...BASE, ...c, ...(c.architecture === 'vgg' && { stem: 0, inputShape: [2, 9, 7] }) };
      const rng = new Rng(17);
      const [ci, hi, wi] = config.inputShape;
      const x = Float32Array.from({ length: BATCH * ci * hi * wi }, () => rng.nextNormal());
      const labels = Uint32Array.from({ length: BATCH }, () => rng.nextInt(BASE.classes));
      const out: { loss: number; masks: Mask[]; params: Param[]; kinds: string[] } = await run('cnnGradients', { config, x, labels, batch: BATCH });
      const conv = c.init.startsWith('dense') || c.init === 'delta-orthogonal' ? 'conv2d' : 'sparse-conv2d';
      const stage = [conv, 'activation', conv, 'activation'];
      const readout = c.readout === 'flatten' ? 'flatten' : 'global-avg-pool';
      expect(out.kinds).toEqual(c.architecture === 'vgg' ? [...stage, 'avg-pool2d', ...stage, 'avg-pool2d', readout, 'linear'] : [...stage, conv, 'activation', readout, 'linear']);
      const params = out.params.map((p) => Float64Array.from(p.value));
      const f = () => referenceLoss(config, out.masks, params, x, labels);
      // The loss itself within float32's accumulated rounding of the float64 value.
      expect(Math.abs(out.loss - f())).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(f())));
      expectGradientsMatchFiniteDifferences(out.params, params, f);
    });
  }

  for (const [init, readout] of [['eoi', undefined], ['delta-orthogonal', undefined], ['eoi', 'flatten']] as const) {
    it(`${init} CNN${readout ? `, ${readout} readout` : ''}: saved and loaded, it predicts exactly as before`, async () => {
      const config: CnnConfig = { ...BASE, init, activation: 'tanh', paddingMode: 'circular', ...(readout && { readout }) };
      const rng = new Rng(23);
      const x = Float32Array.from({ length: BATCH * 2 * 7 * 6 }, () => rng.nextNormal());
      const out = await run('cnnSaveLoad', { config, x, batch: BATCH });
      expect(Array.from(out.loaded)).toEqual(Array.from(out.original));
      expect(out.config).toEqual({ ...config, kind: 'cnn' });
    });
  }

  it('a model file with a non-finite bias or a filter tap past cIn*kh*kw is refused, naming the tensor', async () => {
    const config: CnnConfig = { ...BASE, init: 'eoi', activation: 'tanh', paddingMode: 'circular' };
    const x = new Float32Array(BATCH * 2 * 7 * 6);
    await expect(run('cnnSaveLoad', { config, x, batch: BATCH, corrupt: { tensor: '1.bias', index: 2, value: 'Infinity' } })).rejects.toThrow(/tensor '1\.bias'\[2\] = Infinity must be finite/);
    await expect(run('cnnSaveLoad', { config, x, batch: BATCH, corrupt: { tensor: '0.colIdx', index: 0, value: '18' } })).rejects.toThrow(/convolution 0 filter/);
  });
});

describe('model file versions', () => {
  it('version 1 files (MLPs, before convolutions) still decode; unknown versions are refused', () => {
    const bytes = encodeModelFile({ config: { kind: 'mlp' }, tensors: new Map([['0.bias', new Float32Array([1, 2])]]) });
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(2);
    const v1 = bytes.slice();
    new DataView(v1.buffer).setUint32(4, 1, true);
    expect(Array.from(decodeModelFile(v1).tensors.get('0.bias')!)).toEqual([1, 2]);
    const v3 = bytes.slice();
    new DataView(v3.buffer).setUint32(4, 3, true);
    expect(() => decodeModelFile(v3)).toThrow(/model file version 3 is not supported \(this library reads versions 1 and 2\)/);
  });
});
