/**
 * The shape of one 2-D convolution, checked once and shared by every conv kernel, the conv layers
 * and the float64 references.
 *
 * Filters are OIHW: cOut rows of cIn·kh·kw columns, column (ci·kh + ky)·kw + kx holding tap
 * (ky, kx) of input channel ci. Output pixel (oy, ox) reads input row oy·stride + ky - padding and
 * column ox·stride + kx - padding; outside the image that reads 0 ('zeros') or wraps modulo h and w
 * ('circular'). ho = floor((h + 2·padding - kh) / stride) + 1, likewise wo.
 *
 * On the GPU every activation is in the one activation layout (feature-major, feature-major.ts):
 * a C x H x W image batch is C·H·W feature rows of featureMajorStride(batch) examples each, feature
 * (c·H + y)·W + x. A batch-major NCHW array converts to it with toFeatureMajor, and flattening a
 * conv output for a linear layer is the identity.
 */
import { checkNonNegativeInt, checkObject, checkPositiveInt } from '../validate.js';

/** How a convolution reads outside the image: zeros, or wrapping around (circular). */
export const PADDING_MODES = ['zeros', 'circular'] as const;
/** One of PADDING_MODES. */
export type PaddingMode = (typeof PADDING_MODES)[number];

/** What a caller states about a convolution (the one-shot conv2dCsr takes exactly this). */
export interface ConvDims {
  batch: number;
  cIn: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  /** default 1 */
  stride?: number;
  /** default 0 */
  padding?: number;
  /** default 'zeros' */
  paddingMode?: PaddingMode;
}

/** A checked convolution shape with its output size. */
export interface ConvGeometry {
  batch: number;
  cIn: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: number;
  padding: number;
  paddingMode: PaddingMode;
  ho: number;
  wo: number;
}

/** Largest image side, channel count and kernel side accepted: keeps every index inside u32 arithmetic. */
export const MAX_CONV_DIM = 65_535;

/**
 * Checks `dims` (named `name` in messages) and derives the output size. Refuses stride 0, negative
 * padding, a kernel larger than the padded image, and circular padding wider than the image (one
 * wrap must reach every padded position).
 */
export function convGeometry(dims: unknown, name = 'dims'): ConvGeometry {
  const d = checkObject(name, dims, 'a { batch, cIn, h, w, kh, kw, stride?, padding?, paddingMode? }');
  const batch = checkPositiveInt(`${name}.batch`, d.batch, MAX_CONV_DIM);
  const cIn = checkPositiveInt(`${name}.cIn`, d.cIn, MAX_CONV_DIM);
  const h = checkPositiveInt(`${name}.h`, d.h, MAX_CONV_DIM);
  const w = checkPositiveInt(`${name}.w`, d.w, MAX_CONV_DIM);
  const kh = checkPositiveInt(`${name}.kh`, d.kh, MAX_CONV_DIM);
  const kw = checkPositiveInt(`${name}.kw`, d.kw, MAX_CONV_DIM);
  const stride = d.stride === undefined ? 1 : checkPositiveInt(`${name}.stride`, d.stride, MAX_CONV_DIM);
  const padding = d.padding === undefined ? 0 : checkNonNegativeInt(`${name}.padding`, d.padding, MAX_CONV_DIM);
  const paddingMode = d.paddingMode === undefined ? 'zeros' : d.paddingMode;
  if (!PADDING_MODES.includes(paddingMode as PaddingMode)) {
    const message = `${name}.paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}, got ${String(paddingMode)}`;
    throw typeof paddingMode === 'string' ? new RangeError(message) : new TypeError(message);
  }
  if (kh > h + 2 * padding) throw new RangeError(`${name}.kh must be at most h + 2*padding = ${h + 2 * padding}, got ${kh}`);
  if (kw > w + 2 * padding) throw new RangeError(`${name}.kw must be at most w + 2*padding = ${w + 2 * padding}, got ${kw}`);
  if (paddingMode === 'circular' && padding > Math.min(h, w)) {
    throw new RangeError(`${name}.padding must be at most min(h, w) = ${Math.min(h, w)} with circular padding, got ${padding}`);
  }
  const ho = Math.floor((h + 2 * padding - kh) / stride) + 1;
  const wo = Math.floor((w + 2 * padding - kw) / stride) + 1;
  return { batch, cIn, h, w, kh, kw, stride, padding, paddingMode: paddingMode as PaddingMode, ho, wo };
}

/** Filter columns: cIn·kh·kw. */
export function convTaps(g: Pick<ConvGeometry, 'cIn' | 'kh' | 'kw'>): number {
  return g.cIn * g.kh * g.kw;
}

/**
 * The input position an output pixel's tap reads, or -1 where zero padding reads 0. `o` is the
 * output row (column), `k` the tap row (column), `n` the input height (width).
 */
export function convSource(g: Pick<ConvGeometry, 'stride' | 'padding' | 'paddingMode'>, o: number, k: number, n: number): number {
  const u = o * g.stride + k - g.padding;
  if (u >= 0 && u < n) return u;
  if (g.paddingMode === 'zeros') return -1;
  return u < 0 ? u + n : u - n;
}

/** The shape fields every conv kernel's uniform struct carries, by their WGSL names. */
export function convUniforms(g: ConvGeometry): Record<string, number> {
  return {
    cIn: g.cIn,
    h: g.h,
    w: g.w,
    kh: g.kh,
    kw: g.kw,
    stride: g.stride,
    padding: g.padding,
    circular: g.paddingMode === 'circular' ? 1 : 0,
    ho: g.ho,
    wo: g.wo,
  };
}
