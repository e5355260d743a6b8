import { type MatmulDims, matmul } from '../../src/kernels/matmul.js';
import { defineCases } from '../harness/case.js';

export const matmulCases = defineCases({
  product: (ctx, p: { a: Float32Array; b: Float32Array; dims: MatmulDims; bias?: Float32Array }) =>
    matmul(ctx, p.a, p.b, p.dims, { bias: p.bias }),
});
