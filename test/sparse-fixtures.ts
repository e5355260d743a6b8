/**
 * Shared by the sparse kernel tests: the masks they run over, and what the float32 error bound
 * needs (absolute values for the magnitudes, the longest dot product).
 */
import { eoi } from '../src/eoi/index.js';
import { Rng } from '../src/random.js';
import { type CsrMatrix, csrFromMask, randomCsr } from '../src/sparse/index.js';

export interface NamedCsr {
  name: string;
  w: CsrMatrix;
}

/** A CSR matrix whose pattern is `inPattern(row, col)`, with normal values. */
export function patterned(rows: number, cols: number, seed: number, inPattern: (r: number, c: number) => boolean): CsrMatrix {
  const rng = new Rng(seed);
  const mask = new Uint8Array(rows * cols);
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      mask[r * cols + c] = inPattern(r, c) ? 1 : 0;
      values[r * cols + c] = rng.nextNormal();
    }
  }
  return csrFromMask(mask, rows, cols, values);
}

/** Bernoulli(p) per position from a seeded stream. */
function bernoulli(seed: number, p: number): () => boolean {
  const rng = new Rng(seed);
  return () => rng.nextFloat() < p;
}

const thirtyPercent = bernoulli(5, 0.3);
const fivePercent = bernoulli(7, 0.05);

/** Random, adversarial, odd-shaped and EOI masks, all at most 256 x 256. */
export const CSR_MASKS: NamedCsr[] = [
  { name: 'random 64x48 d=0.3', w: randomCsr(64, 48, 0.3, 1) },
  { name: 'random 256x256 d=0.1', w: randomCsr(256, 256, 0.1, 2) },
  { name: 'every entry stored 33x17', w: randomCsr(33, 17, 1, 3) },
  { name: 'every third row empty 40x30', w: patterned(40, 30, 4, (r) => r % 3 !== 0 && thirtyPercent()) },
  { name: 'one full row among sparse ones 50x64', w: patterned(50, 64, 6, (r) => r === 7 || fivePercent()) },
  { name: 'single nonzero 20x25', w: patterned(20, 25, 8, (r, c) => r === 13 && c === 7) },
  { name: 'all rows empty 16x24', w: randomCsr(16, 24, 0, 9) },
  { name: 'odd shape 17x33', w: randomCsr(17, 33, 0.2, 10) },
  { name: 'one row 1x200', w: randomCsr(1, 200, 0.5, 11) },
  { name: 'one column 200x1', w: randomCsr(200, 1, 0.5, 12) },
  { name: 'EOI 128x128 d=0.1', w: eoi(128, 128, { density: 0.1, seed: 13 }) },
  { name: 'EOI 64x128 d=0.2', w: eoi(64, 128, { density: 0.2, seed: 14 }) },
  { name: 'EOI 128x64 d=0.2', w: eoi(128, 64, { density: 0.2, seed: 15 }) },
];

/** Most items any row of a compressed-row pattern holds. */
export function longestRow(rowPtr: Uint32Array): number {
  let longest = 0;
  for (let r = 0; r + 1 < rowPtr.length; r++) longest = Math.max(longest, rowPtr[r + 1] - rowPtr[r]);
  return longest;
}

/** Most entries any column of a CSR pattern holds. */
export function longestColumn(w: { cols: number; colIdx: Uint32Array }): number {
  const counts = new Uint32Array(w.cols);
  for (const c of w.colIdx) counts[c]++;
  return Math.max(0, ...counts);
}

/** Elementwise |a| (undefined stays undefined). */
export function abs<T extends Float32Array | undefined>(a: T): T {
  return (a && a.map(Math.abs)) as T;
}

/** The same sparse matrix with |values|: the reference on it gives the error bound's magnitudes. */
export function absValues<M extends { values: Float32Array }>(w: M): M {
  return { ...w, values: abs(w.values) };
}
