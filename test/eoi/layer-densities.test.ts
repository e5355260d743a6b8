import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erkDensities, explicitDensities, overallDensity, uniformDensities } from '../../src/eoi/layer-densities.js';

const RESNET_LIKE = [
  [16, 3, 3, 3],
  [16, 16, 3, 3],
  [32, 16, 3, 3],
  [32, 32, 3, 3],
  [64, 32, 3, 3],
  [64, 64, 3, 3],
  [10, 64],
];

describe('per-layer densities', () => {
  it('uniform: every layer at d', () => {
    expect(uniformDensities(RESNET_LIKE, 0.1)).toEqual(RESNET_LIKE.map(() => 0.1));
    expect(overallDensity(RESNET_LIKE, uniformDensities(RESNET_LIKE, 0.1))).toBeCloseTo(0.1, 12);
  });

  it('ERK: proportional to sum/product of dims, overall density on target, no layer above 1', () => {
    const d = erkDensities(RESNET_LIKE, 0.1);
    expect(Math.abs(overallDensity(RESNET_LIKE, d) - 0.1)).toBeLessThan(0.01);
    d.forEach((x) => expect(x).toBeLessThanOrEqual(1));
    // The small classifier saturates; among the rest density follows sum/product exactly.
    expect(d[6]).toBe(1);
    const ratio = (s: number[]) => s.reduce((a, b) => a + b) / s.reduce((a, b) => a * b);
    for (let l = 1; l < 6; l++) expect(d[l]! / d[0]!).toBeCloseTo(ratio(RESNET_LIKE[l]!) / ratio(RESNET_LIKE[0]!), 10);
    // At a higher target more layers saturate and eps is re-solved over the others.
    const half = erkDensities(RESNET_LIKE, 0.5);
    expect(half.slice(0, 3)).toEqual([1, 1, 1]);
    expect(overallDensity(RESNET_LIKE, half)).toBeCloseTo(0.5, 12);
    expect(erkDensities(RESNET_LIKE, 1)).toEqual(RESNET_LIKE.map(() => 1));
  });

  it('ERK for convolutions: density ∝ (cOut + cIn + kh + kw) / (cOut·cIn·kh·kw), mixed with dense layers', () => {
    // By hand: [8, 4, 3, 3] has 288 weights and ratio 18/288; [10, 8] has 80 and ratio 18/80.
    const shapes = [
      [8, 4, 3, 3],
      [10, 8],
    ];
    // d = 0.25: 92 nonzeros, eps = 92 / (18 + 18), neither layer saturates.
    const quarter = erkDensities(shapes, 0.25);
    expect(quarter[0]).toBeCloseTo((92 / 36) * (18 / 288), 14);
    expect(quarter[1]).toBeCloseTo((92 / 36) * (18 / 80), 14);
    // d = 0.5: eps = 184 / 36 would give the dense layer 1.15, so it is made dense and the conv
    // takes the remaining 184 - 80 = 104 nonzeros.
    const half = erkDensities(shapes, 0.5);
    expect(half[1]).toBe(1);
    expect(half[0]).toBeCloseTo(104 / 288, 14);

    // Rectangular and 1x1 kernels, a first layer with 3 input channels: kh and kw both count.
    const conv = [
      [16, 3, 3, 3],
      [32, 16, 5, 5],
      [32, 32, 1, 1],
      [64, 32, 3, 1],
      [64, 64, 7, 7],
    ];
    const d = erkDensities(conv, 0.05);
    const ratio = (s: number[]) => s.reduce((a, b) => a + b) / s.reduce((a, b) => a * b);
    const sparse = d.map((x, l) => [x, l] as const).filter(([x]) => x < 1);
    expect(sparse.length).toBeGreaterThan(2);
    for (const [x, l] of sparse) expect(x / sparse[0]![0]).toBeCloseTo(ratio(conv[l]!) / ratio(conv[sparse[0]![1]]!), 12);
    d.forEach((x) => expect(x).toBeLessThanOrEqual(1));
    expect(overallDensity(conv, d)).toBeCloseTo(0.05, 12);
  });

  it('ERK for dense layers alone is unchanged: (rows + cols) / (rows·cols)', () => {
    const mlp = [
      [256, 784],
      [256, 256],
      [10, 256],
    ];
    const d = erkDensities(mlp, 0.02);
    const total = 256 * 784 + 256 * 256 + 10 * 256;
    const sizes = mlp.map(([r, c]) => r! * c!);
    const raw = mlp.map(([r, c]) => (r! + c!) / (r! * c!));
    // No layer saturates at 0.02: eps = 0.02·total / sum(ratio·numel).
    const eps = (0.02 * total) / raw.reduce((a, x, l) => a + x * sizes[l]!, 0);
    d.forEach((x, l) => expect(x).toBeCloseTo(eps * raw[l]!, 14));
    expect(Math.max(...d)).toBeLessThan(1);
    expect(overallDensity(mlp, d)).toBeCloseTo(0.02, 12);
  });

  it('ERK property: overall density on the target, every layer in (0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 512 })),
            fc.tuple(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 256 }), fc.constantFrom(1, 3, 5), fc.constantFrom(1, 3, 5)),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (shapes, target) => {
          const d = erkDensities(shapes, target);
          // eps is solved exactly: only float rounding separates the total from the target.
          expect(Math.abs(overallDensity(shapes, d) - target)).toBeLessThan(1e-9);
          d.forEach((x) => {
            expect(x).toBeGreaterThan(0);
            expect(x).toBeLessThanOrEqual(1);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('explicit: validated copy of one density per layer', () => {
    expect(explicitDensities([[4, 4], [8, 4]], [0.5, 1])).toEqual([0.5, 1]);
    expect(() => explicitDensities([[4, 4], [8, 4]], [0.5])).toThrow(/densities must have length 2/);
    expect(() => explicitDensities([[4, 4]], [0])).toThrow(/densities\[0\] must be a number in \(0, 1\]/);
    expect(() => explicitDensities([[4, 4]], [Number.NaN])).toThrow(RangeError);
  });

  it('rejects bad shapes and densities', () => {
    expect(() => uniformDensities([], 0.1)).toThrow(/shapes must be a non-empty array/);
    expect(() => uniformDensities([[4, 0]], 0.1)).toThrow(/shapes\[0\]\[1\] must be an integer in \[1,/);
    expect(() => erkDensities([[4, 2.5]], 0.1)).toThrow(TypeError);
    expect(() => erkDensities([[4, 4]], 0)).toThrow(/density must be a number in \(0, 1\]/);
    expect(() => erkDensities([[4, 4]], 1.1)).toThrow(RangeError);
    expect(() => overallDensity([[4, 4]], [0.5, 0.5])).toThrow(/densities must have length 1/);
  });
});
