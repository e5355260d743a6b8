/**
 * What both sparse convolutions (conv_csr, conv_bsr) share: the WGSL parts they put in front of
 * their kernel (the batch tiling, the pixel geometry of shaders/conv_geometry.wgsl and the
 * backward-data tap walk of shaders/conv_backward_taps.wgsl), and the walk their forward entry
 * takes, the forward pass's own or the flipped one that computes a stride-1 backward-data pass.
 */
import backwardTaps from '../../shaders/conv_backward_taps.wgsl';
import geometry from '../../shaders/conv_geometry.wgsl';
import { composedSource } from '../gpu/kernel-interface.js';
import type { ConvGeometry } from '../sparse/conv-geometry.js';
import { batchTilesWgsl } from './spmm-tiles.js';

/** A sparse convolution's own WGSL with the shared parts in front (its interface registered as the parts' union). */
export function withConvParts(source: string): string {
  return composedSource([batchTilesWgsl, geometry, backwardTaps, source]);
}

/**
 * The forward entry's walk: it reads an inH x inW image and writes outH x outW, padded padY /
 * padX (the kernel's uniform fields of these names).
 */
export interface ConvWalk {
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  padY: number;
  padX: number;
}

/** The forward pass's walk: x to y. */
export function forwardWalk(g: ConvGeometry): ConvWalk {
  return { inH: g.h, inW: g.w, outH: g.ho, outW: g.wo, padY: g.padding, padX: g.padding };
}

/**
 * With stride 1 the backward-data pass is the forward convolution of dy with the flipped,
 * transposed filter, padded kh - 1 - padding (likewise columns): this walks dy to dx where that
 * computes the same dx, with zero padding at most kh - 1 and kw - 1 (so the flipped padding is not
 * negative) or circular padding that keeps the image size (each output pixel then reads each input
 * pixel through one tap). Undefined elsewhere.
 */
export function flippedWalk(g: ConvGeometry): ConvWalk | undefined {
  if (g.stride !== 1) return undefined;
  const fits = g.paddingMode === 'zeros' ? g.padding <= Math.min(g.kh, g.kw) - 1 : g.ho === g.h && g.wo === g.w;
  if (!fits) return undefined;
  return { inH: g.ho, inW: g.wo, outH: g.h, outW: g.w, padY: g.kh - 1 - g.padding, padX: g.kw - 1 - g.padding };
}
