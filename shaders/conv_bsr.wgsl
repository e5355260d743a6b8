// Block-sparse (BSR) 2-D convolution, float32: the forward pass y = conv(x, W) (+ bias) and the
// backward-data pass dx = the transposed convolution of dy, both implicit GEMMs over the filter's
// blocks (no im2col is materialised).
//
// Inputs (shapes in `params`): W, the cOut x cIn grid of kh x kw kernels, is stored as BS x BS
// channel blocks (BS output x BS input channels): rowPtr over block rows, colIdx = block columns.
// Block blk holds every tap t = ky·kw + kx densely: values[((blk·kh·kw + t)·BS + i)·BS + j], read
// as vec4s along j, is tap t from input channel (block column)·BS + j into output channel
// (block row)·BS + i. Channels past cOut / cIn are zeros in the blocks: aT rows past the last
// channel re-read the last one against those zeros, and outputs past it are not stored.
// Activations are in the activation layout (feature-major): aT and cT are features x 4·groups,
// read and written as vec4s of 4 consecutive batch elements, a C x H x W image using feature
// (c·H + y)·W + x. aT's padding columns (batch elements >= batch) are 0 and cT's are written 0.
// Output pixel (oy, ox) reads input (oy·stride + ky - padding, ox·stride + kx - padding); outside
// the image that reads 0, or wraps once modulo h and w when `circular` (padding <= min(h, w)).
//
// forward: aT = x (cIn·h·w features), cT = y (cOut·ho·wo). One invocation computes QO quads (4
// consecutive output channels each) of one block row, for PX consecutive pixels of an output row
// and BV vec4 batch groups: QO·PX·BV 4x4 accumulators (4 channels x 4 batch elements). Per tap it
// finds each pixel's input column once (wrapped, or masked to 0 outside the image; a row outside
// skips the tap); then for each stored block of the row and each input quad of the block it loads
// its QO 4x4 coefficient sub-blocks (4 vec4s each) and, per pixel and group, the 4 input channels'
// vec4s, and adds QO·PX·BV 4x4 matrix products: every loaded input vec4 feeds 4·QO vec4 FMAs and
// every coefficient vec4 4·PX·BV (the CSR kernel's loaded input vec4 feeds one). Slots are
// numbered (block row, quad group, oy, pixel block), block rows in rowOrder (by decreasing block
// count, long rows first), so neighbouring invocations take neighbouring pixels and read the same
// coefficients.
//
// The forward entry reads its shapes from the walk fields of `params` (inH x inW input of
// inChannels channels, outH x outW output of outChannels, paddings padY / padX). The
// backwardDataFlipped entry walks the same way with FLIPPED set: it runs the backward-data pass
// of a stride-1 convolution, which is the forward convolution of dy with the flipped, transposed
// filter: tap (kh-1-ky, kw-1-kx) of block blockPerm[e] on Wᵀ's block pattern (as below), each
// sub-block transposed, paddings kh-1-padding and kw-1-padding (the host takes it for zero padding
// up to kernel - 1 and for circular padding that keeps the image size).
//
// backwardData: aT = dy (cOut·ho·wo features), cT = dx (cIn·h·w). rowPtr / colIdx are Wᵀ's block
// pattern (row bc lists the block rows storing a block in block column bc); its entry e is W's
// block blockPerm[e], each sub-block used transposed; rowOrder orders the block columns. One
// invocation computes QO quads of input channels of block column bc for PX pixels of an input row,
// stride apart (so they share their taps, at consecutive output columns), and BV groups. The taps
// reaching them are stepped through by conv_backward_taps.wgsl, pixels whose output column falls
// outside [0, wo) masked to 0. The host takes this entry where the
// flipped forward walk does not apply (stride > 1, wider padding).
//
// A workgroup is WG_B x WG_R, tiled over the batch and the slots as batch_tiles.wgsl says; the
// slots' pixels and the positions they read come from conv_geometry.wgsl. The operands and
// accumulators are arrays indexed by constants once QO, PX and BV are fixed, their steps written
// out and guarded by the constants: SwiftShader does not unroll loops, and an array indexed by a
// loop counter lives in memory. The host puts batch_tiles.wgsl, conv_geometry.wgsl and
// conv_backward_taps.wgsl in front of this file.

override WG_B: u32 = 1;
override WG_R: u32 = 64;
// block size: 4, 8 or 16
override BS: u32 = 8;
// quads per invocation (dividing BS / 4), pixels and vec4 groups: each 1, 2 or 4, PX·BV <= 4
override QO: u32 = 1;
override PX: u32 = 1;
override BV: u32 = 1;
override HAS_BIAS: bool = false;
// set by the host for the backwardDataFlipped entry only (see the header)
override FLIPPED: bool = false;

struct Params {
  batch: u32,
  groups: u32,
  // workgroup tiles along the batch, and in all
  tilesB: u32,
  tiles: u32,
  // slots of this pass
  rows: u32,
  // the forward entry's walk: input image, output image, paddings, the channels read (their count)
  // and written; the forward pass's own, or for the flipped backward-data pass dy's and dx's
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  padY: u32,
  padX: u32,
  inChannels: u32,
  outChannels: u32,
  cOut: u32,
  cIn: u32,
  h: u32,
  w: u32,
  kh: u32,
  kw: u32,
  stride: u32,
  padding: u32,
  // 1 for circular padding, 0 for zeros
  circular: u32,
  ho: u32,
  wo: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> blockPerm: array<u32>;
@group(0) @binding(4) var<storage, read> rowOrder: array<u32>;
@group(0) @binding(5) var<storage, read> values: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> aT: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> cT: array<vec4<f32>>;

// The tap's operand columns: per column the vec4 offset inside a channel plane, and its factor.
struct Columns {
  at: vec4<u32>,
  m: vec4<f32>,
}

fn spread(px: array<Pixel, 8>, groups: vec4<u32>) -> Columns {
  let c = array<Pixel, 4>(px[0u / BV], px[1u / BV], px[2u / BV], px[3u / BV]);
  return Columns(vec4<u32>(c[0].at, c[1].at, c[2].at, c[3].at) + groups, vec4<f32>(c[0].m, c[1].m, c[2].m, c[3].m));
}

// 4 channels' vec4s at `rows`, as matrix columns, times the column's factor.
fn gather(rows: vec4<u32>, m: f32) -> mat4x4<f32> {
  return mat4x4<f32>(aT[rows.x], aT[rows.y], aT[rows.z], aT[rows.w]) * m;
}

// coef[i][q]: the weight of the walked side's channel q of quad jq in the invocation's channel i
// of quad `quad`, from the tap's BS x BS matrix at vec4 offset tapAt (rows BS / 4 vec4s apart).
// Forward that is W's rows 4·quad.. at columns 4·jq..; backward, W's rows 4·jq.. at columns
// 4·quad.., transposed.
fn coefficients(tapAt: u32, quad: u32, jq: u32, backward: bool) -> mat4x4<f32> {
  let quads = BS / 4u;
  var at = tapAt + 4u * quad * quads + jq;
  if (backward) {
    at = tapAt + 4u * jq * quads + quad;
  }
  let sub = mat4x4<f32>(values[at], values[at + quads], values[at + 2u * quads], values[at + 3u * quads]);
  if (backward) {
    return transpose(sub);
  }
  return sub;
}

// Accumulator k holds quad k / (PX·BV) and operand column k % (PX·BV): pixel (k % (PX·BV)) / BV,
// batch group firstGroup + (k % BV)·WG_B (slotGroups).
alias Accumulators = array<mat4x4<f32>, 16>;

// Adds one tap of one block (its BS x BS matrix at vec4 offset tapAt) to the accumulators: the
// walked side's channels start at `first` (the last real one is `last`, `plane` vec4s apart), the
// invocation's quads at quad0. Accumulator k holds quad k / (PX·BV) and operand column k % (PX·BV).
fn addBlock(acc: ptr<function, Accumulators>, tapAt: u32, first: u32, last: u32, plane: u32, quad0: u32, cols: Columns, backward: bool) {
  let n = PX * BV;
  let s = QO * n;
  for (var jq = 0u; jq < BS / 4u; jq++) {
    let rows = min(vec4<u32>(first + 4u * jq) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last)) * plane;
    var coef: array<mat4x4<f32>, 4>;
    coef[0] = coefficients(tapAt, quad0, jq, backward);
    if (QO >= 2u) {
      coef[1] = coefficients(tapAt, quad0 + 1u, jq, backward);
    }
    if (QO >= 4u) {
      coef[2] = coefficients(tapAt, quad0 + 2u, jq, backward);
      coef[3] = coefficients(tapAt, quad0 + 3u, jq, backward);
    }
    var operand: array<mat4x4<f32>, 4>;
    operand[0] = gather(rows + cols.at.x, cols.m.x);
    if (n >= 2u) {
      operand[1] = gather(rows + cols.at.y, cols.m.y);
    }
    if (n >= 4u) {
      operand[2] = gather(rows + cols.at.z, cols.m.z);
      operand[3] = gather(rows + cols.at.w, cols.m.w);
    }
    (*acc)[0] += operand[0] * coef[0];
    if (s >= 2u) {
      (*acc)[1] += operand[1u % n] * coef[1u / n];
    }
    if (s >= 4u) {
      (*acc)[2] += operand[2u % n] * coef[2u / n];
      (*acc)[3] += operand[3u % n] * coef[3u / n];
    }
    if (s >= 8u) {
      (*acc)[4] += operand[4u % n] * coef[4u / n];
      (*acc)[5] += operand[5u % n] * coef[5u / n];
      (*acc)[6] += operand[6u % n] * coef[6u / n];
      (*acc)[7] += operand[7u % n] * coef[7u / n];
    }
    if (s >= 16u) {
      (*acc)[8] += operand[8u % n] * coef[8u / n];
      (*acc)[9] += operand[9u % n] * coef[9u / n];
      (*acc)[10] += operand[10u % n] * coef[10u / n];
      (*acc)[11] += operand[11u % n] * coef[11u / n];
      (*acc)[12] += operand[12u % n] * coef[12u / n];
      (*acc)[13] += operand[13u % n] * coef[13u / n];
      (*acc)[14] += operand[14u % n] * coef[14u / n];
      (*acc)[15] += operand[15u % n] * coef[15u / n];
    }
  }
}

// Writes accumulator k (quad k / (PX·BV), pixel (k % (PX·BV)) / BV, group firstGroup + (k % BV)·WG_B),
// plus the channel's bias when HAS_BIAS, to the channels c0 + 4·quad + i below `channels`, feature
// channel·plane + pixel0 + pixel·step, for the first `count` pixels; padding batch elements are
// written as 0.
fn store(acc: Accumulators, c0: u32, channels: u32, plane: u32, pixel0: u32, step: u32, count: u32, firstGroup: u32) {
  let n = PX * BV;
  for (var k = 0u; k < QO * n; k++) {
    let pixel = (k % n) / BV;
    let g = firstGroup + (k % BV) * WG_B;
    if (pixel < count && g < params.groups) {
      let live = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
      for (var i = 0u; i < 4u; i++) {
        let c = c0 + 4u * (k / n) + i;
        if (c < channels) {
          var sum = acc[k][i];
          if (HAS_BIAS) {
            sum += vec4<f32>(bias[c]);
          }
          cT[(c * plane + pixel0 + pixel * step) * params.groups + g] = select(vec4<f32>(0.0), sum, live);
        }
      }
    }
  }
}

// The backward-data pass's tap step (conv_backward_taps.wgsl): the invocation's batch groups,
// its first quad, block column bc's blocks [first, end) of Wᵀ's pattern, dy's channel plane in vec4s
// and the taps per block.
struct TapTarget {
  groups: vec4<u32>,
  quad0: u32,
  first: u32,
  end: u32,
  plane: u32,
  taps: u32,
}

// Adds tap `tap` of each of the block column's blocks, used transposed, over dy at the pixels px.
fn addBackwardTap(acc: ptr<function, Accumulators>, into: TapTarget, tap: u32, px: array<Pixel, 8>) {
  let cols = spread(px, into.groups);
  for (var e = into.first; e < into.end; e++) {
    addBlock(acc, (blockPerm[e] * into.taps + tap) * BS * (BS / 4u), colIdx[e] * BS, params.cOut - 1u, into.plane, into.quad0, cols, true);
  }
}

// The forward entry's walk, which backwardDataFlipped takes too (with FLIPPED set).
fn walkForward(lid: vec3<u32>, wid: vec3<u32>, nwg: vec3<u32>) {
  let at = place(lid, wid, nwg);
  if (at.slot >= params.rows) {
    return;
  }
  // Slots run over (block row, quad group, oy, block of PX pixels along the row).
  let quadGroups = BS / (4u * QO);
  let outBlock = outputBlockAt(at.slot, params.outH, params.outW);
  let br = rowOrder[outBlock.unit / quadGroups];
  let quad0 = (outBlock.unit % quadGroups) * QO;
  let oy = outBlock.oy;
  let ox = outBlock.ox;
  let groups = slotGroups(at.firstGroup, vec4<u32>(0u, 1u, 2u, 3u));
  var acc: Accumulators;

  let h = i32(params.inH);
  let y0 = i32(oy * params.stride) - i32(params.padY);
  let x0 = i32(ox * params.stride) - i32(params.padX);
  let step = i32(params.stride);
  let wraps = params.circular != 0u;
  let taps = params.kh * params.kw;
  let plane = params.inH * params.inW * params.groups;
  let first = rowPtr[br];
  let end = rowPtr[br + 1u];
  // An empty block row skips the tap loop: on SwiftShader the loop's bookkeeping alone, with no
  // block to add, was measured at about the time of a row holding one outBlock.
  for (var ky = 0u; ky < params.kh && end > first; ky++) {
    var iy = y0 + i32(ky);
    // Only windows that reach the top or bottom border take this branch.
    if (u32(iy) >= params.inH) {
      if (!wraps) {
        continue;
      }
      iy = wrapOnce(iy, h);
    }
    let rowOffset = u32(iy) * params.inW;
    for (var kx = 0u; kx < params.kw; kx++) {
      let cols = spread(rowPixels(x0 + i32(kx), step, rowOffset, params.inW, wraps, 1.0), groups);
      var t = ky * params.kw + kx;
      if (FLIPPED) {
        t = taps - 1u - t;
      }
      for (var e = first; e < end; e++) {
        var blk = e;
        if (FLIPPED) {
          blk = blockPerm[e];
        }
        addBlock(&acc, (blk * taps + t) * BS * (BS / 4u), colIdx[e] * BS, params.inChannels - 1u, plane, quad0, cols, FLIPPED);
      }
    }
  }
  store(acc, br * BS + 4u * quad0, params.outChannels, params.outH * params.outW, oy * params.outW + ox, 1u, min(PX, params.outW - ox), at.firstGroup);
}

@compute @workgroup_size(WG_B, WG_R)
fn forward(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  walkForward(lid, wid, nwg);
}

// The stride-1 backward-data pass as the forward walk over dy (the host sets FLIPPED); an entry of
// its own so that it keeps its name in profiles.
@compute @workgroup_size(WG_B, WG_R)
fn backwardDataFlipped(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  walkForward(lid, wid, nwg);
}

@compute @workgroup_size(WG_B, WG_R)
fn backwardData(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let at = place(lid, wid, nwg);
  if (at.slot >= params.rows) {
    return;
  }
  // Slots run over (block column, quad group, iy, column class, block of PX pixels of that class).
  let inBlock = inputBlockAt(at.slot);
  if (inBlock.ix0 >= params.w) {
    return;
  }
  let quadGroups = BS / (4u * QO);
  let bc = rowOrder[inBlock.unit / quadGroups];
  let quad0 = (inBlock.unit % quadGroups) * QO;
  let into = TapTarget(slotGroups(at.firstGroup, vec4<u32>(0u, 1u, 2u, 3u)), quad0, rowPtr[bc], rowPtr[bc + 1u], params.ho * params.wo * params.groups, params.kh * params.kw);
  var acc: Accumulators;
  // An empty block column skips the tap walk (as in forward).
  if (into.end > into.first) {
    walkBackwardTaps(&acc, into, 0u, i32(inBlock.iy), i32(inBlock.ix0));
  }
  store(acc, bc * BS + 4u * quad0, params.cIn, params.h * params.w, inBlock.iy * params.w + inBlock.ix0, params.stride, inputBlockPixels(inBlock.ix0), at.firstGroup);
}
