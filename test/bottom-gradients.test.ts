import { expect, it } from 'vitest';
import type { CnnConfig } from '../src/nn/cnn.js';
import type { MlpConfig } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import type { BottomNet } from './cases/nn.js';
import { describeGpu } from './harness/gpu.js';
import { randomFloat32 } from './harness/tolerance.js';
import { SMALL_CNN } from './small-nets.js';

// Sequential.backwardParameters, what train() runs: the same parameter gradients as backward(),
// bit for bit (the same kernels in the same order, the bottom layer's transposed product left
// out), and exactly the bottom layer's input-gradient passes fewer. The gradients are filled with
// NaN before each backward pass, so a gradient a pass leaves unwritten cannot match.
const BATCH = 5;
const MLP: Omit<MlpConfig, 'init' | 'format'> = { inputs: 12, width: 9, depth: 3, classes: 3, density: 0.4, activation: 'tanh', sigmaW: 1, sigmaB: 0.1, seed: 7 };
const CNN: Omit<CnnConfig, 'init' | 'format'> = { ...SMALL_CNN, activation: 'tanh' };

describeGpu('nn', (run) => {
  const cases: Array<{ label: string; net: BottomNet; saved: number; params: number }> = [
    { label: 'MLP, CSR bottom layer', net: { kind: 'mlp', config: { ...MLP, init: 'eoi' } }, saved: 1, params: 6 },
    { label: 'MLP, BSR-4 bottom layer', net: { kind: 'mlp', config: { ...MLP, init: 'uniform', format: { bsr: 4 } } }, saved: 1, params: 6 },
    { label: 'MLP, dense bottom layer', net: { kind: 'mlp', config: { ...MLP, init: 'dense-gaussian' } }, saved: 1, params: 6 },
    // The tanh below the bottom layer has no parameters: neither it nor the bottom layer's dL/dx (fused with it) runs.
    { label: 'MLP behind a tanh layer', net: { kind: 'mlp-behind-tanh', config: { ...MLP, init: 'eoi' } }, saved: 1, params: 6 },
    { label: 'CNN, CSR stride-2 bottom convolution', net: { kind: 'cnn', config: { ...CNN, init: 'eoi' } }, saved: 1, params: 8 },
    { label: 'CNN, BSR-4 bottom convolution', net: { kind: 'cnn', config: { ...CNN, init: 'uniform', format: { bsr: 4 } } }, saved: 1, params: 8 },
    { label: 'CNN, dense bottom convolution', net: { kind: 'cnn', config: { ...CNN, init: 'delta-orthogonal' } }, saved: 1, params: 8 },
    // The convolution's dL/dx (one pass: circular padding on an odd image keeps it whole), the
    // stride-2 1x1 projection's (zero padded: one pass per stride phase, 4) and their sum.
    { label: 'CNN, ghost skip (a 1x1 projection) beside the bottom convolution', net: { kind: 'cnn-skip', config: { ...CNN, init: 'eoi' } }, saved: 6, params: 9 },
  ];
  for (const { label, net, saved, params } of cases) {
    it(`${label}: backwardParameters gives backward's parameter gradients, ${saved} dispatch${saved > 1 ? 'es' : ''} fewer`, async () => {
      const rng = new Rng(3);
      const inputs = net.kind.startsWith('mlp') ? MLP.inputs : 2 * 9 * 7;
      const got = await run('bottomGradients', { net, x: randomFloat32(rng, BATCH * inputs), labels: Uint32Array.from({ length: BATCH }, (_, b) => b % 3), batch: BATCH });
      expect(got.names.length).toBe(params);
      expect(got.backward.dispatches - got.backwardParameters.dispatches).toBe(saved);
      for (const [i, grad] of got.backward.grads.entries()) {
        expect(grad.some((v: number) => Number.isNaN(v)), got.names[i]).toBe(false);
        expect(got.backwardParameters.grads[i], got.names[i]).toEqual(grad);
      }
    });
  }
});
