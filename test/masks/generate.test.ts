import { describe, expect, it } from 'vitest';
import { erkDensities } from '../../src/eoi/layer-densities.js';
import { generateMasks, type MaskOptions } from '../../src/masks/generate.js';
import type { MaskMethod } from '../../src/masks/method.js';
import type { Distribution } from '../../src/masks/types.js';
import { validateCsr } from '../../src/sparse/csr.js';
import { cpuSource, cpuTrainer, NET, SHAPES, syntheticBatches } from './fixtures.js';

const batches = syntheticBatches(NET.inputs, NET.classes, 2, 8);
const DATA: MaskOptions = { gradients: cpuSource(batches), train: cpuTrainer(batches, 2, 0.1), iterations: 10, isometry: { steps: 5 } };
const SIZES = SHAPES.map(([r, c]) => r * c);

/** Methods that keep an exact number of weights per budget (count = round(density · size)). */
const EXACT: MaskMethod[] = ['random', 'magnitude', 'lottery', 'snip', 'grasp', 'synflow', 'taylor'];

describe('mask generators: densities', () => {
  for (const method of EXACT) {
    for (const distribution of ['global', 'uniform', 'erk'] as const) {
      it(`${method}, ${distribution}: global density within 0.01, per-layer counts as the distribution asks`, async () => {
        const density = 0.2;
        const { weights, report } = await generateMasks(method, SHAPES, { ...DATA, density, distribution, seed: 5 });
        weights.forEach((w, l) => {
          validateCsr(w, `weights[${l}]`);
          expect([w.rows, w.cols]).toEqual(SHAPES[l]);
        });
        const nnz = weights.map((w) => w.colIdx.length);
        expect(report.layerNnz).toEqual(nnz);
        expect(report.density).toBeCloseTo(nnz.reduce((a, b) => a + b) / SIZES.reduce((a, b) => a + b), 12);
        expect(Math.abs(report.density - density)).toBeLessThanOrEqual(0.01);
        expect(report.distribution).toBe(distribution);
        const layerTargets = distribution === 'uniform' ? SHAPES.map(() => density) : distribution === 'erk' ? erkDensities(SHAPES, density) : undefined;
        if (layerTargets) nnz.forEach((n, l) => expect(n).toBe(Math.round(layerTargets[l]! * SIZES[l]!)));
        else expect(nnz.reduce((a, b) => a + b)).toBe(Math.round(density * SIZES.reduce((a, b) => a + b)));
      });
    }
  }

  it('explicit per-layer densities are met layer by layer, density may be left out', async () => {
    const densities = [0.5, 0.25, 0.25, 1];
    for (const method of ['random', 'magnitude', 'synflow'] as const) {
      const { weights, report } = await generateMasks(method, SHAPES, { ...DATA, distribution: densities, seed: 2 });
      weights.forEach((w, l) => expect(w.colIdx.length).toBe(Math.round(densities[l]! * SIZES[l]!)));
      expect(report.distribution).toBe('explicit');
    }
  });

  for (const distribution of ['uniform', 'erk'] as const) {
    it(`eoi and X+eoi, ${distribution}: global density within 0.01 and EOI's per-layer densities follow their targets`, async () => {
      const density = 0.3;
      const direct = await generateMasks('eoi', SHAPES, { density, distribution, seed: 1 });
      expect(Math.abs(direct.report.density - density)).toBeLessThanOrEqual(0.01);
      const targets = distribution === 'uniform' ? SHAPES.map(() => density) : erkDensities(SHAPES, density);
      // EOI stops within one rotation of its target; a rotation adds at most 2 lines' supports.
      direct.report.layerDensities.forEach((d, l) => expect(Math.abs(d - targets[l]!)).toBeLessThanOrEqual(0.1));
      const onTop = await generateMasks('magnitude+eoi', SHAPES, { density, distribution, seed: 1 });
      const source = await generateMasks('magnitude', SHAPES, { density, distribution, seed: 1 });
      expect(onTop.report.method).toBe('magnitude+eoi');
      expect(Math.abs(onTop.report.density - density)).toBeLessThanOrEqual(0.01);
      onTop.report.layerDensities.forEach((d, l) => expect(Math.abs(d - source.report.layerDensities[l]!)).toBeLessThanOrEqual(0.1));
    });
  }

  it('X+ai keeps X\'s masks exactly and reports the residual', async () => {
    const source = await generateMasks('snip', SHAPES, { ...DATA, density: 0.3, seed: 4 });
    const refined = await generateMasks('snip+ai', SHAPES, { ...DATA, density: 0.3, seed: 4 });
    expect(refined.report.method).toBe('snip+ai');
    refined.weights.forEach((w, l) => {
      expect(w.rowPtr).toEqual(source.weights[l]!.rowPtr);
      expect(w.colIdx).toEqual(source.weights[l]!.colIdx);
    });
    expect(refined.report.isometry!.steps).toBe(5);
    expect(refined.report.isometry!.after.length).toBe(SHAPES.length);
  });
});

describe('mask generators: determinism', () => {
  const METHODS: MaskMethod[] = [...EXACT, 'eoi', 'sao', 'synflow+eoi', 'magnitude+ai'];
  for (const method of METHODS) {
    it(`${method}: the same seed gives the same masks and values, another seed others`, async () => {
      const opts = { ...DATA, density: 0.25, distribution: (method === 'sao' || method === 'eoi' ? 'uniform' : 'global') as Distribution };
      const a = await generateMasks(method, SHAPES, { ...opts, seed: 9 });
      const b = await generateMasks(method, SHAPES, { ...opts, seed: 9 });
      const c = await generateMasks(method, SHAPES, { ...opts, seed: 10 });
      expect(b).toEqual(a);
      expect(c.weights.map((w) => w.values)).not.toEqual(a.weights.map((w) => w.values));
    });
  }
});

describe('mask generators: refusals', () => {
  it('unknown methods and refinements, naming the argument and the choices', async () => {
    await expect(generateMasks('prune-everything' as MaskMethod, SHAPES, { density: 0.1 })).rejects.toThrow(/method must be one of random, magnitude, .*\+ai or \+eoi.*got prune-everything/);
    await expect(generateMasks('snip+xyz' as MaskMethod, SHAPES, { density: 0.1 })).rejects.toThrow(RangeError);
    await expect(generateMasks('snip+ai+eoi' as MaskMethod, SHAPES, { density: 0.1 })).rejects.toThrow(RangeError);
  });

  it('bad densities, distributions and shapes', async () => {
    await expect(generateMasks('random', SHAPES, { density: 0 })).rejects.toThrow(/density must be a number in \(0, 1\], got 0/);
    await expect(generateMasks('random', SHAPES, { density: 1.5 })).rejects.toThrow(/density must be a number in \(0, 1\]/);
    await expect(generateMasks('random', SHAPES, { density: NaN })).rejects.toThrow(RangeError);
    await expect(generateMasks('random', SHAPES, {})).rejects.toThrow(/density must be a number in \(0, 1\]/);
    await expect(generateMasks('random', SHAPES, { density: 0.1, distribution: 'erdos' as Distribution })).rejects.toThrow(/distribution must be one of global, uniform, erk/);
    await expect(generateMasks('random', SHAPES, { density: 0.1, distribution: [0.5, 0.5] })).rejects.toThrow(/densities must have length 4/);
    await expect(generateMasks('random', SHAPES, { density: 0.1, distribution: [0.5, 0.5, 0.5, 0.5] })).rejects.toThrow(/density must be within 0.01/);
    await expect(generateMasks('eoi', SHAPES, { density: 0.1, distribution: 'global' })).rejects.toThrow(/distribution must be uniform, erk or per-layer densities for eoi/);
    await expect(generateMasks('random', [[4, 3], [2, 5]], { density: 0.5 })).rejects.toThrow(/shapes\[1\]\[1\] must equal shapes\[0\]\[0\] = 4/);
    await expect(generateMasks('random', SHAPES, { density: 0.5, seed: -1 })).rejects.toThrow(/seed must be an integer/);
    await expect(generateMasks('random', SHAPES, { density: 0.5, gain: 0 })).rejects.toThrow(/gain must be a number in \(0/);
  });

  it('data-driven methods without their data', async () => {
    await expect(generateMasks('snip', SHAPES, { density: 0.1 })).rejects.toThrow(/gradients must be a GradientSource for snip/);
    await expect(generateMasks('grasp', SHAPES, { density: 0.1 })).rejects.toThrow(/gradients must be a GradientSource for grasp/);
    await expect(generateMasks('taylor', SHAPES, { density: 0.1 })).rejects.toThrow(/gradients must be a GradientSource for taylor/);
    await expect(generateMasks('lottery', SHAPES, { density: 0.1 })).rejects.toThrow(/train must be a TrainFn/);
    await expect(generateMasks('lottery', SHAPES, { density: 0.1, train: DATA.train, pruneFraction: 1 })).rejects.toThrow(/pruneFraction must be a number in \(0, 1\)/);
    await expect(generateMasks('synflow', SHAPES, { density: 0.1, iterations: 0 })).rejects.toThrow(/iterations must be an integer in \[1/);
    await expect(generateMasks('grasp', SHAPES, { ...DATA, density: 0.1, temperature: 0 })).rejects.toThrow(/temperature must be a number in \(0/);
  });
});
