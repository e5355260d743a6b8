/**
 * The WGSL parts both sparse convolutions (conv_csr, conv_bsr) put in front of their kernel: the
 * batch tiling, the pixel geometry (shaders/conv_geometry.wgsl) and the backward-data tap walk
 * (shaders/conv_backward_taps.wgsl).
 */
import backwardTaps from '../../shaders/conv_backward_taps.wgsl';
import geometry from '../../shaders/conv_geometry.wgsl';
import { composedSource } from '../gpu/kernel-interface.js';
import { batchTilesWgsl } from './spmm-tiles.js';

/** A sparse convolution's own WGSL with the shared parts in front (its interface registered as the parts' union). */
export function withConvParts(source: string): string {
  return composedSource([batchTilesWgsl, geometry, backwardTaps, source]);
}
