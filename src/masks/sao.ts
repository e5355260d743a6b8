/**
 * SAO, sparsity-aware orthogonal initialisation (Esguerra et al. 2023), for one rows x cols layer
 * with m = min(rows, cols), M = max(rows, cols) and degree k = floor(d·M):
 *  1. the M long-side indices are split by a seeded shuffle into G = M / k groups of k (needs
 *     k | M); the m short-side indices into G groups of a = m / G (needs G | m);
 *  2. every short-side line of group g is supported on long-side group g: a bi-regular bipartite
 *     graph, short-side degree k, long-side degree a, made of disjoint complete a x k blocks, as
 *     the reference code's "Ramanujan construction" builds it (strictly, being disconnected when
 *     G > 1, it is not an expander);
 *  3. the a lines of a group get a rows of a Haar-random k x k orthogonal matrix (haarOrthogonal
 *     with a x k), so they are orthonormal; lines of different groups have disjoint supports.
 * Hence W Wᵀ = gain² I on the short side, exactly as EOI, at density k / M. The reference code's
 * ReLU variant (halved degree, [[A, −A], [−A, A]]) is not built: its W Wᵀ is singular; ReLU keeps
 * only its rule that the degree be at least 4 (2 otherwise). Layers the construction cannot make
 * are refused with the densities it can make. Convolutions are refused: SAO is a construction for
 * matrices, and a filter at density d (its taps anywhere in the kernel) has no SAO counterpart here;
 * eoi builds exactly orthogonal filters instead.
 */
import { type Activation, resolveActivation } from '../kernels/activation.js';
import { haarOrthogonal } from '../nn/init.js';
import { Rng } from '../random.js';
import { type CsrMatrix, csrFromMask } from '../sparse/csr.js';
import { perLayerTargets } from './budget.js';
import { layerSeed } from '../nn/mlp.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { maskReport } from './report.js';
import type { MaskNetwork } from './network.js';
import type { MaskResult } from './types.js';

export interface SaoOptions extends CommonMaskOptions {
  /** sets the lowest degree: 4 for relu, 2 otherwise; default tanh */
  activation?: Activation;
}

/** floor(d·M) with a little slack so that d·M equal to an integer up to rounding gives that integer. */
function degreeFor(density: number, M: number): number {
  return Math.floor(density * M * (1 + 1e-12));
}

export function saoMinDegree(activation: Activation = 'tanh'): number {
  return resolveActivation(activation).name === 'relu' ? 4 : 2;
}

/** The densities k / M at which SAO can build a rows x cols layer, ascending. */
export function saoDensities(rows: number, cols: number, activation?: Activation): number[] {
  const m = Math.min(rows, cols);
  const M = Math.max(rows, cols);
  const out: number[] = [];
  for (let k = saoMinDegree(activation); k <= M; k++) if (M % k === 0 && m % (M / k) === 0) out.push(k / M);
  return out;
}

/** One SAO layer: rows x cols at density floor(d·M) / M, all short-side singular values = gain. */
export function saoLayer(rows: number, cols: number, density: number, opts: { seed: number; gain: number; activation?: Activation; name?: string }): CsrMatrix & { degree: number } {
  const m = Math.min(rows, cols);
  const M = Math.max(rows, cols);
  const k = degreeFor(density, M);
  if (!(k >= saoMinDegree(opts.activation) && M % k === 0 && m % (M / k) === 0)) {
    const valid = saoDensities(rows, cols, opts.activation);
    throw new RangeError(
      `${opts.name ?? 'density'} must give SAO a degree k = floor(d·${M}) >= ${saoMinDegree(opts.activation)} with k dividing ${M} and ${M}/k dividing ${m} ` +
        `(${rows} x ${cols} layer); possible densities: ${valid.length ? valid.map((d) => +d.toFixed(6)).join(', ') : 'none'}; got ${density} (k = ${k})`,
    );
  }
  const groups = M / k;
  const a = m / groups;
  const rng = new Rng(opts.seed);
  const long = rng.shuffle(Uint32Array.from({ length: M }, (_, i) => i));
  const short = rng.shuffle(Uint32Array.from({ length: m }, (_, i) => i));
  const wide = rows <= cols;
  const dense = new Float64Array(rows * cols);
  const mask = new Uint8Array(rows * cols);
  for (let g = 0; g < groups; g++) {
    const support = long.slice(g * k, (g + 1) * k).sort();
    const block = haarOrthogonal(a, k, rng.nextUint32(), opts.gain);
    for (let j = 0; j < a; j++) {
      const s = short[g * a + j]!;
      support.forEach((t, i) => {
        const p = wide ? s * cols + t : t * cols + s;
        dense[p] = block[j * k + i]!;
        mask[p] = 1;
      });
    }
  }
  return { ...csrFromMask(mask, rows, cols, dense), degree: k };
}

export function saoMasks(network: MaskNetwork, opts: SaoOptions): MaskResult {
  if ((network as { kind?: unknown }).kind === 'cnn') {
    throw new RangeError("method sao builds linear layers only: a CNN's convolution filters have no SAO construction here (eoi builds exactly orthogonal filters; X+eoi puts them on another method's densities)");
  }
  const common = readCommon(network, opts, 'uniform');
  const densities = perLayerTargets(common.targets, 'sao');
  const layers = common.network.matrices.map(([rows, cols], l) =>
    saoLayer(rows, cols, densities[l]!, { seed: layerSeed(common.seed, l), gain: common.gain, activation: opts.activation, name: `density (layer ${l})` }),
  );
  const weights = layers.map(({ degree: _degree, ...w }) => w);
  return { weights, report: maskReport('sao', weights, common.targets, 'sao', { degrees: layers.map((l) => l.degree) }) };
}
