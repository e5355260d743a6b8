import { expect, it } from 'vitest';
import { Rng } from '../src/random.js';
import { matmulRef } from '../src/sparse/reference.js';
import type { MatmulDims } from '../src/kernels/matmul.js';
import { describeGpu } from './harness/gpu.js';
import { randomFloat32, worstBoundRatio } from './harness/tolerance.js';

// Awkward shapes: scalars, vectors, sizes that divide no tile (17x33x65), one row or column.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 37, 1],
  [1, 9, 70],
  [70, 9, 1],
  [17, 33, 65],
  [64, 32, 48],
  [5, 130, 3],
];
const MODES = [
  { transposeA: false, transposeB: false },
  { transposeA: true, transposeB: false },
  { transposeA: false, transposeB: true },
  { transposeA: true, transposeB: true },
];

const abs = (x: Float32Array) => x.map(Math.abs);

describeGpu('matmul', (run) => {
  for (const [m, k, n] of SHAPES) {
    for (const mode of MODES) {
      const dims: MatmulDims = { m, k, n, ...mode };
      it(`${m}x${k}x${n} ${mode.transposeA ? 'Aᵀ' : 'A'}·${mode.transposeB ? 'Bᵀ' : 'B'} within the float32 dot-product bound`, async () => {
        const rng = new Rng(m * 1000 + k * 10 + n);
        const a = randomFloat32(rng, m * k);
        const b = randomFloat32(rng, k * n);
        const bias = mode.transposeA ? randomFloat32(rng, n) : undefined;
        const c: Float32Array = await run('product', { a, b, dims, bias });
        const want = matmulRef(a, b, dims, bias);
        // The bias adds one more rounded term: bound it as a dot product of length k + 1.
        const magnitude = matmulRef(abs(a), abs(b), dims, bias && abs(bias));
        expect(c.length).toBe(m * n);
        expect(worstBoundRatio(c, want, magnitude, k + 1)).toBeLessThanOrEqual(1);
      });
    }
  }

  it('refuses arrays whose length does not match the dimensions', async () => {
    const dims = { m: 3, k: 4, n: 5 };
    await expect(run('product', { a: new Float32Array(11), b: new Float32Array(20), dims })).rejects.toThrow(
      /a must have length 12 \(m\*k\), got 11/,
    );
    await expect(run('product', { a: new Float32Array(12), b: new Float32Array(20), dims: { ...dims, n: 0 } })).rejects.toThrow(
      /dims.n must be an integer in \[1, /,
    );
    await expect(
      run('product', { a: new Float32Array(12), b: new Float32Array(20), dims, bias: new Float32Array(4) }),
    ).rejects.toThrow(RangeError);
  });
});
