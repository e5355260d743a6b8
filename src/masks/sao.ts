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
 * ReLU variant (halved degree, [[A, −A], [−A, A]]) is 'sao-code' (saoCodeMasks), not this method:
 * its W Wᵀ is singular; here ReLU keeps only its rule that the degree be at least 4 (2 otherwise). Layers the construction cannot make
 * are refused with the densities it can make. Convolutions are refused: SAO is a construction for
 * matrices, and a filter at density d (its taps anywhere in the kernel) has no SAO counterpart here;
 * eoi builds exactly orthogonal filters instead.
 */
import { type Activation, resolveActivation } from '../kernels/activation.js';
import { haarOrthogonal, initWeights } from '../nn/init.js';
import { Rng } from '../random.js';
import { type CsrMatrix, csrFromMask } from '../sparse/csr.js';
import { perLayerTargets } from './budget.js';
import { layerSeed } from '../nn/mlp.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { maskReport } from './report.js';
import type { MaskNetwork } from './network.js';
import type { MaskResult } from './types.js';

/** Options of saoMasks: the common ones plus the activation that sets the lowest degree. */
export interface SaoOptions extends CommonMaskOptions {
  /** sets the lowest degree: 4 for relu, 2 otherwise; default tanh */
  activation?: Activation;
}

/** floor(d·M) with a little slack so that d·M equal to an integer up to rounding gives that integer. */
function degreeFor(density: number, M: number): number {
  return Math.floor(density * M * (1 + 1e-12));
}

/** The lowest degree SAO's construction allows for this activation: 4 for relu, 2 otherwise. */
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

/**
 * Method 'sao': sparsity-aware orthogonal weights built from regular bipartite graphs of the degree the density asks for (MLPs only).
 * @throws RangeError when the network is a CNN or a layer's density gives a degree below saoMinDegree
 */
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

/**
 * 'sao-code': SAO as its released code builds an MLP. Square layers get SAO at degree floor(d·M)
 * as saoLayer makes it (the code fills a group from orth(rand) rows, an orthogonal matrix too;
 * ours is Haar). With ReLU the layer is [[A, −A], [−A, A]] for A the SAO layer of half the size
 * at half the degree (floor(floor(d·M) / 2), at least 2): the code's construction, whose W Wᵀ has
 * rank M/2 (singular values 2·gain and 0) and which a ReLU net passes as A·(x₁ − x₂). Non-square
 * layers (an MLP's first and last) are kept dense Haar orthogonal times the gain, as the code does.
 */
export function saoCodeMasks(network: MaskNetwork, opts: SaoOptions): MaskResult {
  if ((network as { kind?: unknown }).kind === 'cnn') throw new RangeError("method sao-code builds an MLP's linear layers only, got a CNN");
  const common = readCommon(network, opts, 'uniform');
  const densities = perLayerTargets(common.targets, 'sao-code');
  const relu = resolveActivation(opts.activation ?? 'tanh').name === 'relu';
  const degrees: number[] = [];
  const weights = common.network.matrices.map(([rows, cols], l) => {
    const seed = layerSeed(common.seed, l);
    if (rows !== cols) {
      degrees.push(cols);
      return initWeights({ rows, cols, density: 1, init: 'orthogonal', gain: common.gain, seed });
    }
    const name = `density (layer ${l})`;
    if (!relu) {
      const { degree, ...w } = saoLayer(rows, cols, densities[l]!, { seed, gain: common.gain, name });
      degrees.push(degree);
      return w;
    }
    if (rows % 2 !== 0) throw new RangeError(`sao-code with relu builds [[A, −A], [−A, A]]: layer ${l} must have an even size, got ${rows} x ${cols}`);
    const half = rows / 2;
    const halfDegree = Math.floor(degreeFor(densities[l]!, rows) / 2);
    const a = saoLayer(half, half, halfDegree / half, { seed, gain: common.gain, name: `${name}, half degree floor(floor(d·${rows}) / 2) = ${halfDegree} of ${half} x ${half}` });
    degrees.push(2 * a.degree);
    return lookLinear(a);
  });
  return { weights, report: maskReport('sao-code', weights, common.targets, 'sao', { degrees }) };
}

/** [[A, −A], [−A, A]] of a square CSR A, as CSR. */
function lookLinear(a: CsrMatrix): CsrMatrix {
  const n = a.rows;
  const mask = new Uint8Array(4 * n * n);
  const dense = new Float64Array(4 * n * n);
  for (let r = 0; r < n; r++) {
    for (let t = a.rowPtr[r]!; t < a.rowPtr[r + 1]!; t++) {
      const c = a.colIdx[t]!;
      for (const [dr, dc, sign] of [[0, 0, 1], [0, n, -1], [n, 0, -1], [n, n, 1]] as const) {
        mask[(r + dr) * 2 * n + c + dc] = 1;
        dense[(r + dr) * 2 * n + c + dc] = sign * a.values[t]!;
      }
    }
  }
  return csrFromMask(mask, 2 * n, 2 * n, dense);
}
