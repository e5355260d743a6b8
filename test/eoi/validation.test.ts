import { describe, expect, it } from 'vitest';
import { eoiRotationsFor, expectedEoiDensity } from '../../src/eoi/density.js';
import { eoi } from '../../src/eoi/eoi.js';
import { eoiNaive } from '../../src/eoi/naive.js';
import { sampleEoiRotations } from '../../src/eoi/sampler.js';

type Call = (rows: number, cols: number, density: number) => unknown;

const ENTRY_POINTS: Array<[string, Call]> = [
  ['eoi', (r, c, d) => eoi(r, c, { density: d })],
  ['sampleEoiRotations', (r, c, d) => sampleEoiRotations(r, c, d)],
  ['eoiNaive', (r, c, d) => eoiNaive(r, c, { density: d })],
  ['eoiRotationsFor', (r, c, d) => eoiRotationsFor(r, c, d)],
];

describe('argument checks', () => {
  for (const [name, call] of ENTRY_POINTS) {
    it(`${name}: density outside [1/max(rows, cols), 1] is an error naming the range`, () => {
      const range = /density must be a number in \[0\.02 \(= 1\/max\(rows, cols\)\), 1\]/;
      for (const d of [0, -0.1, 1.0001, Number.NaN, 0.019, Number.POSITIVE_INFINITY]) {
        expect(() => call(20, 50, d)).toThrow(RangeError);
        expect(() => call(20, 50, d)).toThrow(range);
      }
      expect(() => call(20, 50, '0.5' as unknown as number)).toThrow(TypeError);
      expect(() => call(20, 50, undefined as unknown as number)).toThrow(/density must be a number/);
    });

    it(`${name}: rows and cols must be positive integers`, () => {
      expect(() => call(0, 5, 0.5)).toThrow(RangeError);
      expect(() => call(0, 5, 0.5)).toThrow(/rows must be an integer in \[1, /);
      expect(() => call(5, -3, 0.5)).toThrow(/cols must be an integer in \[1, /);
      expect(() => call(2.5, 5, 0.5)).toThrow(TypeError);
      expect(() => call(5, Number.NaN, 0.5)).toThrow(/cols/);
    });
  }

  it('seed must be an integer in [0, 2^53); gain a finite number', () => {
    expect(() => eoi(4, 4, { density: 0.5, seed: -1 })).toThrow(/seed must be an integer in \[0, /);
    expect(() => eoi(4, 4, { density: 0.5, seed: 1.5 })).toThrow(TypeError);
    expect(() => sampleEoiRotations(4, 4, 0.5, -2)).toThrow(/seed/);
    expect(() => eoi(4, 4, { density: 0.5, gain: Number.NaN })).toThrow(/gain must be a number/);
    expect(() => eoi(4, 4, { density: 0.5, gain: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it('expectedEoiDensity: shapes and a non-negative integer rotation count', () => {
    expect(() => expectedEoiDensity(0, 4, 3)).toThrow(/rows/);
    expect(() => expectedEoiDensity(4, 4, -1)).toThrow(/rotations must be an integer in \[0, /);
    expect(() => expectedEoiDensity(4, 4, 0.5)).toThrow(TypeError);
  });

  it('the smallest reachable density 1/M is accepted, without rotations', () => {
    const w = eoi(7, 3, { density: 1 / 7 });
    expect(w.rotations).toBe(0);
    expect(w.values.length).toBe(3);
  });
});
