/**
 * Skip paths beside a convolution, for the recipe's ghost skips: the 1x1 convolution at the conv's
 * stride that maps its input image onto its output grid (where the identity cannot: cIn ≠ cOut or
 * stride > 1), and folding such a 1x1 convolution into the conv. For a "same" convolution
 * (kh = kw = 2·padding + 1) the 1x1 convolution's output (oy, ox) reads input pixel (s·oy, s·ox),
 * exactly the pixel the centre tap (padding, padding) reads, always inside the image whatever the
 * padding mode. So conv(x, W) + alpha·conv1x1(x, P) is conv(x, W') with W' = W + alpha·P at the
 * centre taps: the same function in the original architecture, on the mask joined with every
 * centre tap.
 */
import type { Context } from '../gpu/context.js';
import { type CsrMatrix, validateCsr } from '../sparse/csr.js';
import { checkFiniteElements, checkLength, checkNumberArray, checkNumberInRange } from '../validate.js';
import { Conv2d } from './conv2d.js';
import { GhostSkip } from './ghost-skip.js';
import { type ConvShape, convShapeGeometry, SparseConv2d } from './sparse-conv2d.js';

/** Whether the conv maps an image to one of the same channels and size, so that the identity is its skip. */
export function identitySkips(conv: SparseConv2d): boolean {
  return conv.cOut === conv.shape.cIn && conv.outSize[0] === conv.shape.h && conv.outSize[1] === conv.shape.w;
}

/** The 1x1 convolution beside a "same" convolution: its input image and stride, no padding. */
export function centreTapShape(shape: ConvShape): ConvShape {
  const g = convShapeGeometry(shape, 1);
  if (g.kh !== 2 * g.padding + 1 || g.kw !== 2 * g.padding + 1) {
    throw new RangeError(`a skip beside a convolution needs a "same" one (kh = kw = 2·padding + 1), got ${g.kh} x ${g.kw} with padding ${g.padding}`);
  }
  return { cIn: g.cIn, h: g.h, w: g.w, kh: 1, kw: 1, stride: g.stride };
}

/** A 1x1 Conv2d beside `conv` with the given cOut x cIn weights (row-major) and a zero bias. */
export function centreTapConv(ctx: Context, conv: SparseConv2d, weight: Float32Array): Conv2d {
  return new Conv2d(ctx, conv.cOut, centreTapShape(conv.shape), weight);
}

/**
 * The filter W' = W + alpha·P at the centre taps (P: cOut x cIn, row-major), as CSR: each row's
 * entries joined with the centre tap of every input channel, values rounded once to float32.
 */
export function foldCentreTaps(filter: CsrMatrix, shape: ConvShape, projection: ArrayLike<number>, alpha = 1): CsrMatrix {
  validateCsr(filter, 'filter');
  centreTapShape(shape); // refuses a convolution that is not "same"
  const { cIn, kh, kw } = shape;
  const centre = (kh - 1) / 2;
  if (filter.cols !== cIn * kh * kw) throw new RangeError(`filter.cols must equal cIn*kh*kw = ${cIn * kh * kw}, got ${filter.cols}`);
  checkLength('projection', checkNumberArray('projection', projection), filter.rows * cIn, 'cOut*cIn');
  checkFiniteElements('projection', projection);
  checkNumberInRange('alpha', alpha, -Number.MAX_VALUE, Number.MAX_VALUE);
  const rowPtr = new Uint32Array(filter.rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < filter.rows; r++) {
    let t = filter.rowPtr[r]!;
    const end = filter.rowPtr[r + 1]!;
    for (let ci = 0; ci <= cIn; ci++) {
      // Entries before this channel's centre tap (all that remain once ci = cIn), then the centre.
      const col = ci < cIn ? (ci * kh + centre) * kw + centre : filter.cols;
      for (; t < end && filter.colIdx[t]! < col; t++) {
        colIdx.push(filter.colIdx[t]!);
        values.push(filter.values[t]!);
      }
      if (ci === cIn) break;
      const stored = t < end && filter.colIdx[t] === col ? filter.values[t++]! : 0;
      colIdx.push(col);
      values.push(stored + alpha * projection[r * cIn + ci]!);
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows: filter.rows, cols: filter.cols, rowPtr, colIdx: Uint32Array.from(colIdx), values: Float32Array.from(values) };
}

/**
 * The one SparseConv2d computing what a skip of a 1x1 Conv2d beside a SparseConv2d computes (its
 * filter by foldCentreTaps, bias + alpha·the projection's bias); frees the skip.
 */
export async function foldCentreTapSkip(ctx: Context, skip: GhostSkip): Promise<SparseConv2d> {
  const { inner, projection, alpha } = skip;
  if (!(inner instanceof SparseConv2d) || !(projection instanceof Conv2d) || projection.shape.kh !== 1 || projection.shape.kw !== 1) {
    throw new TypeError('skip must wrap a SparseConv2d with a 1x1 Conv2d projection beside it');
  }
  const filter = await inner.readWeight();
  const [weight, projectionBias, bias] = await ctx.readAll([projection.weight, projection.bias, inner.bias]);
  const folded = new SparseConv2d(
    ctx,
    foldCentreTaps(filter, inner.shape, weight!, alpha),
    inner.shape,
    Float32Array.from(bias!, (b, c) => b + alpha * projectionBias![c]!),
  );
  skip.destroy();
  return folded;
}
