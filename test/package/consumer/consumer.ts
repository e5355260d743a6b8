// A strict consumer of the installed package, as a new user writes one: the root and every subpath,
// WebGPU types in signatures, and a run in Node (CPU work; the GPU part reports what is missing when
// the optional `webgpu` peer is not installed).
import { createContext, csrToDense, eoi, type Context, type CsrMatrix, WebGpuUnavailableError } from 'orthosparse';
import { csrMatmul, eoi as coreEoi, GpuTensor } from 'orthosparse/core';
import { Linear, Sequential, type TrainSpec } from 'orthosparse/nn';
import { RECIPE_PARTS } from 'orthosparse/masks';
import { MNIST_FILES } from 'orthosparse/node';

const w: CsrMatrix & { rotations: number; rounds: number } = eoi(8, 6, { density: 0.5, seed: 3 });
const dense = csrToDense(w);
// EOI is exactly orthogonal: the columns of the 8 x 6 matrix are orthonormal.
let worst = 0;
for (let a = 0; a < 6; a++) {
  for (let b = 0; b < 6; b++) {
    let dot = 0;
    for (let r = 0; r < 8; r++) dot += dense[r * 6 + a]! * dense[r * 6 + b]!;
    worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
  }
}

async function gpu(): Promise<string> {
  let ctx: Context | undefined;
  try {
    ctx = await createContext();
    const device: GPUDevice = ctx.device;
    const y = await csrMatmul(ctx, w, new Float32Array(6).fill(1), 1);
    return `ran on ${device.label || ctx.adapterName}: ${y.length} outputs`;
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) return `no WebGPU: ${error.message}`;
    throw error;
  } finally {
    ctx?.destroy();
  }
}

const spec: Pick<TrainSpec, 'epochs' | 'batchSize'> = { epochs: 1, batchSize: 32 };
const classes: Array<unknown> = [Linear, Sequential, GpuTensor];
console.log(
  JSON.stringify({
    nnz: w.values.length,
    sameAsCore: coreEoi(8, 6, { density: 0.5, seed: 3 }).values.join() === w.values.join(),
    orthogonalityError: worst,
    recipeParts: RECIPE_PARTS.length,
    mnistFiles: MNIST_FILES.length,
    classes: classes.every((c) => typeof c === 'function'),
    spec,
    gpu: await gpu(),
  }),
);
