// CSR sparse 2-D convolution, float32: the forward pass y = conv(x, W) (+ bias) and the
// backward-data pass dx = the transposed convolution of dy, both as implicit GEMMs over the CSR
// filter (no im2col is materialised).
//
// Inputs (shapes in `params`): the filter W is CSR with cOut rows and cIn·kh·kw columns, column
// (ci·kh + ky)·kw + kx holding tap (ky, kx) of input channel ci. Activations are in the activation
// layout (feature-major): aT and cT are features x 4·groups, read and written as vec4s of 4
// consecutive batch elements; a C x H x W image uses feature (c·H + y)·W + x. aT's padding columns
// (batch elements >= batch) are 0 and cT's are written as 0, bias or not. Output pixel (oy, ox)
// reads input (oy·stride + ky - padding, ox·stride + kx - padding); outside the image that reads 0,
// or wraps once modulo h and w when `circular` (the host allows padding <= min(h, w)).
//
// forward: aT = x (cIn·h·w features), cT = y (cOut·ho·wo). rowPtr / values are W; entryIndex holds
// entry e's column decoded once per mask on the host at 2e, 2e + 1: (ci, ky << 16 | kx), so the entry
// loop does no integer division; extra holds the bias's bits when HAS_BIAS. One invocation computes BV vec4 groups of PX consecutive pixels of one
// output row (co, oy): it walks row co once, each (tap, value) load and decode feeding BV·PX vec4
// loads and FMAs (the host picks BV·PX = 8, so a small batch still amortises the decode). The row
// test is shared by the PX pixels; each pixel's column is wrapped or masked (value 0, index
// clamped) without a branch. Slots are numbered (co, oy, pixel block) with co = rowOrder[slot /
// (ho·blocks)] (rows by decreasing length: long rows start first), so neighbouring invocations
// take neighbouring pixels of one co, walk the same entries in lock step and read neighbouring
// input pixels.
//
// The forward walk reads its shapes from the walk fields of `params` (an inH x inW input, an outH
// x outW output, paddings padY / padX; unit u's entries are rowPtr[u·rowStep] .. rowPtr[(u + 1)·
// rowStep]). The entry backwardDataFlipped runs it as the backward-data pass of a stride-1
// convolution, which is the forward convolution of dy with the flipped, transposed filter: its
// rows are the input channels (Wᵀ's rows ci·kh·kw .. (ci + 1)·kh·kw - 1 taken as one, rowStep =
// kh·kw), entryIndex holds Wᵀ's entry t flipped, (co, (kh-1-ky) << 16 | (kw-1-kx)), its value is
// values[extra[t]], rowOrder holds the input channels by decreasing stored taps, and the paddings
// are kh-1-padding and kw-1-padding (the host takes it for zero padding up to kernel - 1 and for
// circular padding that keeps the image size). Where the tap walk of backwardData steps through
// all kh·kw taps per invocation, whether or not any output channel stores them, this walks the
// stored entries only, as the forward pass does.
//
// backwardData: aT = dy (cOut·ho·wo features), cT = dx (cIn·h·w). rowPtr / entryIndex are Wᵀ's
// pattern (row (ci, ky, kx) lists the co's storing that tap), its entry t holds values[extra[t]]
// (extra is Wᵀ's permutation into the one array the optimizer updates). rowOrder orders the input channels (by decreasing stored taps). One
// invocation computes BV vec4 groups of PX pixels of one input row (ci, iy), stride apart (so they
// share their taps, at consecutive output columns). The taps reaching them are stepped through by
// conv_backward_taps.wgsl, and each tap's row of Wᵀ is walked once over dy at (co, oy, ox + p),
// pixels whose ox falls outside [0, wo) masked to 0. The host takes this entry where the flipped
// forward walk does not apply (stride > 1, wider padding).
//
// The entries share the entryIndex and extra bindings (each reads its own meaning of them), so
// the kernel stays within WebGPU's default 8 storage buffers per stage: a device made with
// default limits (TF.js's, for one) can run it.
//
// A workgroup is WG_B x WG_R, tiled over the batch and the slots as batch_tiles.wgsl says; the
// slots' pixels and the positions they read come from conv_geometry.wgsl. As in spmm_csr.wgsl the
// accumulators are named matrix columns and the BV·PX steps are written out, guarded by the
// constants: SwiftShader does not unroll loops, and an array indexed by a loop counter lives in
// memory (the per-pixel arrays below are indexed by constants once BV and PX are fixed).
//
// Every store goes through the fused-activation epilogue (activation_epilogue.wgsl): the forward
// pass can write act(z) into aux beside z, the backward-data pass dx ⊙ act'(z) of the layer below,
// z read from aux. The host puts the activation functions, the epilogue, batch_tiles.wgsl,
// conv_geometry.wgsl and conv_backward_taps.wgsl in front of this file.

override WG_B: u32 = 4;
override WG_R: u32 = 16;
// vec4 groups per invocation: 1, 2, 4 or 8
override BV: u32 = 8;
// pixels per invocation along a row, 1, 2, 4 or 8 with BV·PX <= 8
override PX: u32 = 1;
override HAS_BIAS: bool = false;

struct Params {
  batch: u32,
  groups: u32,
  // workgroup tiles along the batch, and in all
  tilesB: u32,
  tiles: u32,
  // slots of this pass: pixel blocks of y (forward) or of dx (backwardData)
  rows: u32,
  // the forward entry's walk: input image, output image, paddings, and the rowPtr step of one row;
  // the forward pass's own, or for the flipped backward-data pass dy's and dx's
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  padY: u32,
  padX: u32,
  rowStep: u32,
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
  // the fused activation's parameters (EPILOGUE != 0)
  negativeSlope: f32,
  alpha: f32,
  beta: f32,
  blend: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> entryIndex: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read> extra: array<u32>;
@group(0) @binding(5) var<storage, read> rowOrder: array<u32>;
@group(0) @binding(6) var<storage, read> aT: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> cT: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> aux: array<vec4<f32>>;

// Accumulator k (of BV·PX, matrix k / 4, column k % 4) holds pixel k / BV of the invocation's block
// and batch group firstGroup + (k % BV)·WG_B (slotGroups).
alias Accumulators = array<mat4x4<f32>, 2>;

// Adds v[k]·aT[at[k]] to accumulator k, for the first BV·PX (written out: see the header).
fn accumulate(acc: ptr<function, Accumulators>, vLo: vec4<f32>, vHi: vec4<f32>, atLo: vec4<u32>, atHi: vec4<u32>) {
  let n = BV * PX;
  (*acc)[0][0] = fma(vec4<f32>(vLo.x), aT[atLo.x], (*acc)[0][0]);
  if (n >= 2u) {
    (*acc)[0][1] = fma(vec4<f32>(vLo.y), aT[atLo.y], (*acc)[0][1]);
  }
  if (n >= 4u) {
    (*acc)[0][2] = fma(vec4<f32>(vLo.z), aT[atLo.z], (*acc)[0][2]);
    (*acc)[0][3] = fma(vec4<f32>(vLo.w), aT[atLo.w], (*acc)[0][3]);
  }
  if (n >= 8u) {
    (*acc)[1][0] = fma(vec4<f32>(vHi.x), aT[atHi.x], (*acc)[1][0]);
    (*acc)[1][1] = fma(vec4<f32>(vHi.y), aT[atHi.y], (*acc)[1][1]);
    (*acc)[1][2] = fma(vec4<f32>(vHi.z), aT[atHi.z], (*acc)[1][2]);
    (*acc)[1][3] = fma(vec4<f32>(vHi.w), aT[atHi.w], (*acc)[1][3]);
  }
}

// Writes accumulator k to output feature row0 + (k / BV)·step, for the first `count` pixels, group
// firstGroup + (k % BV)·WG_B; padding batch elements are written as 0.
fn store(acc: Accumulators, row0: u32, step: u32, count: u32, firstGroup: u32) {
  let sums = array<vec4<f32>, 8>(acc[0][0], acc[0][1], acc[0][2], acc[0][3], acc[1][0], acc[1][1], acc[1][2], acc[1][3]);
  for (var k = 0u; k < BV * PX; k++) {
    let g = firstGroup + (k % BV) * WG_B;
    if (k / BV < count && g < params.groups) {
      let live = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
      storeEpilogue((row0 + (k / BV) * step) * params.groups + g, sums[k], live);
    }
  }
}

// The operands of accumulator k, pixel k / BV (constant indices once BV and PX are fixed), with
// the accumulators' groups added.
struct Operands {
  atLo: vec4<u32>,
  atHi: vec4<u32>,
  vLo: vec4<f32>,
  vHi: vec4<f32>,
}

fn spread(px: array<Pixel, 8>, gLo: vec4<u32>, gHi: vec4<u32>) -> Operands {
  let c = array<Pixel, 8>(px[0u / BV], px[1u / BV], px[2u / BV], px[3u / BV], px[4u / BV], px[5u / BV], px[6u / BV], px[7u / BV]);
  return Operands(
    vec4<u32>(c[0].at, c[1].at, c[2].at, c[3].at) + gLo,
    vec4<u32>(c[4].at, c[5].at, c[6].at, c[7].at) + gHi,
    vec4<f32>(c[0].m, c[1].m, c[2].m, c[3].m),
    vec4<f32>(c[4].m, c[5].m, c[6].m, c[7].m),
  );
}

// The backward-data pass's tap step (conv_backward_taps.wgsl): the invocation's batch groups and dy's
// plane of one output channel, in vec4s.
struct TapTarget {
  gLo: vec4<u32>,
  gHi: vec4<u32>,
  planeGroups: u32,
}

// Walks tap's row of Wᵀ once over dy at the pixels px of each output channel co it lists.
fn addBackwardTap(acc: ptr<function, Accumulators>, into: TapTarget, tap: u32, px: array<Pixel, 8>) {
  let op = spread(px, into.gLo, into.gHi);
  let end = rowPtr[tap + 1u];
  for (var e = rowPtr[tap]; e < end; e++) {
    let v = values[extra[e]];
    let base = entryIndex[e] * into.planeGroups;
    accumulate(acc, v * op.vLo, v * op.vHi, base + op.atLo, base + op.atHi);
  }
}

// The forward walk (see the header) of one invocation: the forward pass, or with `flipped` the
// stride-1 backward-data pass.
fn walkForward(lid: vec3<u32>, wid: vec3<u32>, nwg: vec3<u32>, flipped: bool) {
  let at = place(lid, wid, nwg);
  if (at.slot >= params.rows) {
    return;
  }
  let outBlock = outputBlockAt(at.slot, params.outH, params.outW);
  let unit = rowOrder[outBlock.unit];
  let oy = outBlock.oy;
  let ox = outBlock.ox;
  let gLo = slotGroups(at.firstGroup, vec4<u32>(0u, 1u, 2u, 3u));
  let gHi = slotGroups(at.firstGroup, vec4<u32>(4u, 5u, 6u, 7u));
  var start = vec4<f32>(0.0);
  if (HAS_BIAS) {
    start = vec4<f32>(bitcast<f32>(extra[unit]));
  }
  var acc = Accumulators(mat4x4<f32>(start, start, start, start), mat4x4<f32>(start, start, start, start));

  let inH = i32(params.inH);
  let y0 = i32(oy * params.stride) - i32(params.padY);
  let x0 = i32(ox * params.stride) - i32(params.padX);
  let step = i32(params.stride);
  let wraps = params.circular != 0u;
  let end = rowPtr[(unit + 1u) * params.rowStep];
  for (var e = rowPtr[unit * params.rowStep]; e < end; e++) {
    let tap = vec2<u32>(entryIndex[2u * e], entryIndex[2u * e + 1u]);
    var iy = y0 + i32(tap.y >> 16u);
    // Only windows that reach the top or bottom border take this branch.
    if (u32(iy) >= params.inH) {
      if (!wraps) {
        continue;
      }
      iy = wrapOnce(iy, inH);
    }
    var v: f32;
    if (flipped) {
      v = values[extra[e]];
    } else {
      v = values[e];
    }
    let rowBase = (tap.x * params.inH + u32(iy)) * params.inW;
    let op = spread(rowPixels(x0 + i32(tap.y & 0xffffu), step, rowBase, params.inW, wraps, v), gLo, gHi);
    accumulate(&acc, op.vLo, op.vHi, op.atLo, op.atHi);
  }
  store(acc, (unit * params.outH + oy) * params.outW + ox, 1u, min(PX, params.outW - ox), at.firstGroup);
}

@compute @workgroup_size(WG_B, WG_R)
fn forward(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  walkForward(lid, wid, nwg, false);
}

@compute @workgroup_size(WG_B, WG_R)
fn backwardDataFlipped(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  walkForward(lid, wid, nwg, true);
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
  let inBlock = inputBlockAt(at.slot);
  if (inBlock.ix0 >= params.w) {
    return;
  }
  let ci = rowOrder[inBlock.unit];
  let into = TapTarget(
    slotGroups(at.firstGroup, vec4<u32>(0u, 1u, 2u, 3u)),
    slotGroups(at.firstGroup, vec4<u32>(4u, 5u, 6u, 7u)),
    params.ho * params.wo * params.groups,
  );
  var acc = Accumulators(mat4x4<f32>(), mat4x4<f32>());
  walkBackwardTaps(&acc, into, ci * params.kh * params.kw, i32(inBlock.iy), i32(inBlock.ix0));
  store(acc, (ci * params.h + inBlock.iy) * params.w + inBlock.ix0, params.stride, inputBlockPixels(inBlock.ix0), at.firstGroup);
}
