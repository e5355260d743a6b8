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
// backwardData: aT = dy (cOut·ho·wo features), cT = dx (cIn·h·w). rowPtr / entryIndex are Wᵀ's
// pattern (row (ci, ky, kx) lists the co's storing that tap), its entry t holds values[extra[t]]
// (extra is Wᵀ's permutation into the one array the optimizer updates). rowOrder orders the input channels (by decreasing stored taps). One
// invocation computes BV vec4 groups of PX pixels of one input row (ci, iy), stride apart (so they
// share their taps, at consecutive output columns). For each unwrapped row u (iy, and iy ∓ h when
// circular) the taps with ky ≡ u + padding (mod stride) are stepped through directly with their
// output row oy = (u + padding - ky) / stride (one division per u, none per tap), likewise for
// columns, and each tap's row of Wᵀ is walked once over dy at (co, oy, ox + p), pixels whose ox
// falls outside [0, wo) masked to 0.
//
// The two passes share the entryIndex and extra bindings (each reads its own meaning of them), so
// the kernel stays within WebGPU's default 8 storage buffers per stage: a device made with
// default limits (TF.js's, for one) can run it.
//
// A workgroup is WG_B x WG_R: the WG_B invocations along x share a slot and take interleaved batch
// groups, the WG_R along y take consecutive slots. Workgroups form a folded 1D list of tiles
// (linear index wid.x + wid.y·nwg.x), batch tile fastest. As in spmm_csr.wgsl the
// accumulators are named matrix columns and the BV·PX steps are written out, guarded by the
// constants: SwiftShader does not unroll loops, and an array indexed by a loop counter lives in
// memory (the per-pixel arrays below are indexed by constants once BV and PX are fixed).
//
// Every store goes through the fused-activation epilogue (activation_epilogue.wgsl, which the host
// puts in front of this file with the activation functions): the forward pass can write act(z)
// into aux beside z, the backward-data pass dx ⊙ act'(z) of the layer below, z read from aux.

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

// The invocation's place: its slot (an output pixel block, channels in swizzled order) and first
// batch group, or slot = rows when it has nothing to do.
struct Place {
  slot: u32,
  firstGroup: u32,
}

fn place(lid: vec3<u32>, wid: vec3<u32>, nwg: vec3<u32>) -> Place {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= params.tiles) {
    return Place(params.rows, 0u);
  }
  let slot = (tile / params.tilesB) * WG_R + lid.y;
  return Place(min(slot, params.rows), (tile % params.tilesB) * WG_B * BV + lid.x);
}

// Accumulator k (of BV·PX) holds pixel k / BV of the invocation's block and batch group
// firstGroup + (k % BV)·WG_B. Groups past the batch re-read the last group (no branch in the entry
// loop) and are not stored.
fn slotGroups(firstGroup: u32, k: vec4<u32>) -> vec4<u32> {
  return min(firstGroup + (k % BV) * WG_B, vec4<u32>(params.groups - 1u));
}

// Adds v[k]·aT[at[k]] to accumulator k, for the first BV·PX (written out: see the header).
fn accumulate(acc: ptr<function, array<mat4x4<f32>, 2>>, vLo: vec4<f32>, vHi: vec4<f32>, atLo: vec4<u32>, atHi: vec4<u32>) {
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
fn store(acc: array<mat4x4<f32>, 2>, row0: u32, step: u32, count: u32, firstGroup: u32) {
  let sums = array<vec4<f32>, 8>(acc[0][0], acc[0][1], acc[0][2], acc[0][3], acc[1][0], acc[1][1], acc[1][2], acc[1][3]);
  for (var k = 0u; k < BV * PX; k++) {
    let g = firstGroup + (k % BV) * WG_B;
    if (k / BV < count && g < params.groups) {
      let live = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
      storeEpilogue((row0 + (k / BV) * step) * params.groups + g, sums[k], live);
    }
  }
}

// One pixel's operand for an entry: the vec4 index of its first group, and a factor (the entry's
// value, or a 0/1 mask) that is 0 where the pixel reads nothing.
struct Column {
  at: u32,
  v: f32,
}

// The operands of accumulator k, pixel k / BV (constant indices once BV and PX are fixed), with
// the accumulators' groups added.
struct Operands {
  atLo: vec4<u32>,
  atHi: vec4<u32>,
  vLo: vec4<f32>,
  vHi: vec4<f32>,
}

fn spread(px: array<Column, 8>, gLo: vec4<u32>, gHi: vec4<u32>) -> Operands {
  let c = array<Column, 8>(px[0u / BV], px[1u / BV], px[2u / BV], px[3u / BV], px[4u / BV], px[5u / BV], px[6u / BV], px[7u / BV]);
  return Operands(
    vec4<u32>(c[0].at, c[1].at, c[2].at, c[3].at) + gLo,
    vec4<u32>(c[4].at, c[5].at, c[6].at, c[7].at) + gHi,
    vec4<f32>(c[0].v, c[1].v, c[2].v, c[3].v),
    vec4<f32>(c[4].v, c[5].v, c[6].v, c[7].v),
  );
}

// Forward: tap column x of the input row at rowBase (wrapped when circular); outside the image the
// index is clamped and the value 0.
fn inputColumn(x: i32, rowBase: u32, v: f32) -> Column {
  let w = i32(params.w);
  var u = x;
  if (params.circular != 0u) {
    u += select(0, w, u < 0) - select(0, w, u >= w);
  }
  let inside = u32(u) < params.w;
  return Column((rowBase + select(0u, u32(u), inside)) * params.groups, select(0.0, v, inside));
}

// Backward: output column ox of the output row at outRow, masked to 0 outside [0, wo).
fn outputColumn(ox: i32, outRow: u32) -> Column {
  let inside = u32(ox) < params.wo;
  return Column((outRow + select(0u, u32(ox), inside)) * params.groups, select(0.0, 1.0, inside));
}

@compute @workgroup_size(WG_B, WG_R)
fn forward(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let at = place(lid, wid, nwg);
  if (at.slot >= params.rows) {
    return;
  }
  // Slots run over (co, oy, block of PX pixels along the row).
  let blocks = (params.wo + PX - 1u) / PX;
  let planeSlots = params.ho * blocks;
  let co = rowOrder[at.slot / planeSlots];
  let r = at.slot % planeSlots;
  let oy = r / blocks;
  let ox = (r % blocks) * PX;
  let gLo = slotGroups(at.firstGroup, vec4<u32>(0u, 1u, 2u, 3u));
  let gHi = slotGroups(at.firstGroup, vec4<u32>(4u, 5u, 6u, 7u));
  var start = vec4<f32>(0.0);
  if (HAS_BIAS) {
    start = vec4<f32>(bitcast<f32>(extra[co]));
  }
  var acc = array<mat4x4<f32>, 2>(mat4x4<f32>(start, start, start, start), mat4x4<f32>(start, start, start, start));

  let h = i32(params.h);
  let y0 = i32(oy * params.stride) - i32(params.padding);
  let x0 = i32(ox * params.stride) - i32(params.padding);
  let step = i32(params.stride);
  let end = rowPtr[co + 1u];
  for (var e = rowPtr[co]; e < end; e++) {
    let tap = vec2<u32>(entryIndex[2u * e], entryIndex[2u * e + 1u]);
    var iy = y0 + i32(tap.y >> 16u);
    // Only windows that reach the top or bottom border take this branch.
    if (u32(iy) >= params.h) {
      if (params.circular == 0u) {
        continue;
      }
      iy += select(0, h, iy < 0) - select(0, h, iy >= h);
    }
    let rowBase = (tap.x * params.h + u32(iy)) * params.w;
    let x = x0 + i32(tap.y & 0xffffu);
    let v = values[e];
    // Pixel p's column, written out for the PX pixels (the rest stay unused).
    var px: array<Column, 8>;
    px[0] = inputColumn(x, rowBase, v);
    if (PX >= 2u) {
      px[1] = inputColumn(x + step, rowBase, v);
    }
    if (PX >= 4u) {
      px[2] = inputColumn(x + 2 * step, rowBase, v);
      px[3] = inputColumn(x + 3 * step, rowBase, v);
    }
    if (PX >= 8u) {
      px[4] = inputColumn(x + 4 * step, rowBase, v);
      px[5] = inputColumn(x + 5 * step, rowBase, v);
      px[6] = inputColumn(x + 6 * step, rowBase, v);
      px[7] = inputColumn(x + 7 * step, rowBase, v);
    }
    let op = spread(px, gLo, gHi);
    accumulate(&acc, op.vLo, op.vHi, op.atLo, op.atHi);
  }
  store(acc, (co * params.ho + oy) * params.wo + ox, 1u, min(PX, params.wo - ox), at.firstGroup);
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
  // Slots run over (ci, iy, column class ix mod stride, block of PX pixels of that class): the
  // pixels of a block are stride apart, so they read one set of taps at consecutive ox.
  let perClass = ((params.w + params.stride - 1u) / params.stride + PX - 1u) / PX;
  let rowSlots = params.stride * perClass;
  let planeSlots = params.h * rowSlots;
  let ci = rowOrder[at.slot / planeSlots];
  let r = at.slot % planeSlots;
  let iy = i32(r / rowSlots);
  let c = r % rowSlots;
  let ix0 = c / perClass + (c % perClass) * PX * params.stride;
  if (ix0 >= params.w) {
    return;
  }
  let ix = i32(ix0);
  let gLo = slotGroups(at.firstGroup, vec4<u32>(0u, 1u, 2u, 3u));
  let gHi = slotGroups(at.firstGroup, vec4<u32>(4u, 5u, 6u, 7u));
  var acc = array<mat4x4<f32>, 2>(mat4x4<f32>(), mat4x4<f32>());

  let stride = i32(params.stride);
  let padding = i32(params.padding);
  let kh = i32(params.kh);
  let kw = i32(params.kw);
  let planeGroups = params.ho * params.wo * params.groups;
  let wraps = i32(params.circular);
  for (var sy = -wraps; sy <= wraps; sy++) {
    // ay = u + padding for the unwrapped row u; output row oy reads it through tap ky = ay - oy·stride.
    let ay = iy + sy * i32(params.h) + padding;
    if (ay < 0) {
      continue;
    }
    for (var oy = min(ay / stride, i32(params.ho) - 1); oy >= 0 && ay - oy * stride < kh; oy--) {
      let tapRow = (ci * params.kh + u32(ay - oy * stride)) * params.kw;
      let outRow = u32(oy) * params.wo;
      for (var sx = -wraps; sx <= wraps; sx++) {
        // Likewise for the first pixel's unwrapped column: taps kx ≡ ax (mod stride), output column
        // ox = (ax - kx) / stride for the first pixel, ox + p for pixel p (floor division: ax may be < 0).
        let ax = ix + sx * i32(params.w) + padding;
        let kx0 = (ax % stride + stride) % stride;
        let ox0 = (ax - kx0) / stride;
        for (var i = 0; kx0 + i * stride < kw; i++) {
          let ox = ox0 - i;
          if (ox + i32(PX) <= 0) {
            break;
          }
          if (ox >= i32(params.wo)) {
            continue;
          }
          var px: array<Column, 8>;
          px[0] = outputColumn(ox, outRow);
          if (PX >= 2u) {
            px[1] = outputColumn(ox + 1, outRow);
          }
          if (PX >= 4u) {
            px[2] = outputColumn(ox + 2, outRow);
            px[3] = outputColumn(ox + 3, outRow);
          }
          if (PX >= 8u) {
            px[4] = outputColumn(ox + 4, outRow);
            px[5] = outputColumn(ox + 5, outRow);
            px[6] = outputColumn(ox + 6, outRow);
            px[7] = outputColumn(ox + 7, outRow);
          }
          let op = spread(px, gLo, gHi);
          let t = tapRow + u32(kx0 + i * stride);
          let end = rowPtr[t + 1u];
          for (var e = rowPtr[t]; e < end; e++) {
            let v = values[extra[e]];
            let base = entryIndex[e] * planeGroups;
            accumulate(&acc, v * op.vLo, v * op.vHi, base + op.atLo, base + op.atHi);
          }
        }
      }
    }
  }
  let count = min(PX, (params.w - ix0 + params.stride - 1u) / params.stride);
  store(acc, (ci * params.h + u32(iy)) * params.w + ix0, params.stride, count, at.firstGroup);
}
