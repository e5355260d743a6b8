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
// forward: aT = x (cIn·h·w features), cT = y (cOut·ho·wo). rowPtr / colIdx / values are W; taps[e]
// is entry e's column decoded once per mask on the host: (ci, ky << 16 | kx), so the entry loop does
// no integer division. One invocation computes BV vec4 groups of one output feature (co, oy, ox): it
// walks row co once, each (tap, value) load feeding BV vec4 loads and BV FMAs. Output slots are
// numbered plane-fastest with co = rowOrder[slot / (ho·wo)] (rows by decreasing length: long rows
// start first), so neighbouring invocations take neighbouring pixels of one co, walk the same
// entries in lock step and read neighbouring input pixels.
//
// backwardData: aT = dy (cOut·ho·wo features), cT = dx (cIn·h·w). rowPtr / colIdx are Wᵀ's pattern
// (row (ci, ky, kx) lists the co's storing that tap), its entry t holds values[perm[t]]: the one array
// the optimizer updates. rowOrder orders the input channels (by decreasing stored taps). One
// invocation computes BV vec4 groups of one input feature (ci, iy, ix): for each unwrapped row
// u (iy, and iy ∓ h when circular) the taps with ky ≡ u + padding (mod stride) are stepped through
// directly with their output row oy = (u + padding - ky) / stride (one division per u, none per
// tap), likewise for columns, and each tap's row of Wᵀ is walked over dy at (co, oy, ox).
//
// A workgroup is WG_B x WG_R: the WG_B invocations along x share an output feature and take
// interleaved batch groups, the WG_R along y take consecutive slots. Workgroups form a folded 1D
// list of tiles (linear index wid.x + wid.y·nwg.x), batch tile fastest. As in spmm_csr.wgsl the
// accumulators are named matrix columns and the BV steps are written out, guarded by the constant
// BV: SwiftShader does not unroll loops, and an array indexed by a loop counter lives in memory.

override WG_B: u32 = 4;
override WG_R: u32 = 16;
// vec4 groups per invocation: 1, 2, 4 or 8
override BV: u32 = 8;
override HAS_BIAS: bool = false;

struct Params {
  batch: u32,
  groups: u32,
  // workgroup tiles along the batch, and in all
  tilesB: u32,
  tiles: u32,
  // output features of this pass: cOut·ho·wo (forward) or cIn·h·w (backwardData)
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
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read> perm: array<u32>;
@group(0) @binding(5) var<storage, read> taps: array<vec2<u32>>;
@group(0) @binding(6) var<storage, read> rowOrder: array<u32>;
@group(0) @binding(7) var<storage, read> aT: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> bias: array<f32>;
@group(0) @binding(9) var<storage, read_write> cT: array<vec4<f32>>;

// The invocation's place: its slot (output feature in swizzled order) and first batch group, or
// slot = rows when it has nothing to do.
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

// Groups j of an invocation are firstGroup + j·WG_B; those past the batch re-read the last group
// (no branch in the entry loop) and are not stored.
fn groupsLo(firstGroup: u32) -> vec4<u32> {
  return min(firstGroup + vec4<u32>(0u, 1u, 2u, 3u) * WG_B, vec4<u32>(params.groups - 1u));
}

fn groupsHi(firstGroup: u32) -> vec4<u32> {
  return min(firstGroup + vec4<u32>(4u, 5u, 6u, 7u) * WG_B, vec4<u32>(params.groups - 1u));
}

// Adds v·aT[base + g] to the BV accumulators, g the invocation's groups.
fn accumulate(acc: ptr<function, array<mat4x4<f32>, 2>>, v: vec4<f32>, base: u32, gLo: vec4<u32>, gHi: vec4<u32>) {
  (*acc)[0][0] = fma(v, aT[base + gLo.x], (*acc)[0][0]);
  if (BV >= 2u) {
    (*acc)[0][1] = fma(v, aT[base + gLo.y], (*acc)[0][1]);
  }
  if (BV >= 4u) {
    (*acc)[0][2] = fma(v, aT[base + gLo.z], (*acc)[0][2]);
    (*acc)[0][3] = fma(v, aT[base + gLo.w], (*acc)[0][3]);
  }
  if (BV >= 8u) {
    (*acc)[1][0] = fma(v, aT[base + gHi.x], (*acc)[1][0]);
    (*acc)[1][1] = fma(v, aT[base + gHi.y], (*acc)[1][1]);
    (*acc)[1][2] = fma(v, aT[base + gHi.z], (*acc)[1][2]);
    (*acc)[1][3] = fma(v, aT[base + gHi.w], (*acc)[1][3]);
  }
}

// Writes the BV groups of output feature `row`, padding batch elements as 0.
fn store(acc: array<mat4x4<f32>, 2>, row: u32, firstGroup: u32) {
  let sums = array<vec4<f32>, 8>(acc[0][0], acc[0][1], acc[0][2], acc[0][3], acc[1][0], acc[1][1], acc[1][2], acc[1][3]);
  for (var j = 0u; j < BV; j++) {
    let g = firstGroup + j * WG_B;
    if (g < params.groups) {
      let live = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
      cT[row * params.groups + g] = select(vec4<f32>(0.0), sums[j], live);
    }
  }
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
  let plane = params.ho * params.wo;
  let co = rowOrder[at.slot / plane];
  let pixel = at.slot % plane;
  let oy = pixel / params.wo;
  let ox = pixel % params.wo;
  let gLo = groupsLo(at.firstGroup);
  let gHi = groupsHi(at.firstGroup);
  var start = vec4<f32>(0.0);
  if (HAS_BIAS) {
    start = vec4<f32>(bias[co]);
  }
  var acc = array<mat4x4<f32>, 2>(mat4x4<f32>(start, start, start, start), mat4x4<f32>(start, start, start, start));

  let h = i32(params.h);
  let w = i32(params.w);
  let y0 = i32(oy * params.stride) - i32(params.padding);
  let x0 = i32(ox * params.stride) - i32(params.padding);
  let end = rowPtr[co + 1u];
  for (var e = rowPtr[co]; e < end; e++) {
    let tap = taps[e];
    var iy = y0 + i32(tap.y >> 16u);
    var ix = x0 + i32(tap.y & 0xffffu);
    // Only windows that reach the border take this branch.
    if (u32(iy) >= params.h || u32(ix) >= params.w) {
      if (params.circular == 0u) {
        continue;
      }
      iy += select(0, h, iy < 0) - select(0, h, iy >= h);
      ix += select(0, w, ix < 0) - select(0, w, ix >= w);
    }
    let base = ((tap.x * params.h + u32(iy)) * params.w + u32(ix)) * params.groups;
    accumulate(&acc, vec4<f32>(values[e]), base, gLo, gHi);
  }
  store(acc, co * plane + pixel, at.firstGroup);
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
  let planeIn = params.h * params.w;
  let ci = rowOrder[at.slot / planeIn];
  let pixel = at.slot % planeIn;
  let iy = i32(pixel / params.w);
  let ix = i32(pixel % params.w);
  let gLo = groupsLo(at.firstGroup);
  let gHi = groupsHi(at.firstGroup);
  var acc = array<mat4x4<f32>, 2>(mat4x4<f32>(), mat4x4<f32>());

  let stride = i32(params.stride);
  let padding = i32(params.padding);
  let kh = i32(params.kh);
  let kw = i32(params.kw);
  let plane = params.ho * params.wo;
  let wraps = i32(params.circular);
  for (var sy = -wraps; sy <= wraps; sy++) {
    // ay = u + padding for the unwrapped row u; output row oy reads it through tap ky = ay - oy·stride.
    let ay = iy + sy * i32(params.h) + padding;
    if (ay < 0) {
      continue;
    }
    for (var oy = min(ay / stride, i32(params.ho) - 1); oy >= 0 && ay - oy * stride < kh; oy--) {
      let tapRow = (ci * params.kh + u32(ay - oy * stride)) * params.kw;
      for (var sx = -wraps; sx <= wraps; sx++) {
        let ax = ix + sx * i32(params.w) + padding;
        if (ax < 0) {
          continue;
        }
        for (var ox = min(ax / stride, i32(params.wo) - 1); ox >= 0 && ax - ox * stride < kw; ox--) {
          let t = tapRow + u32(ax - ox * stride);
          let outPixel = u32(oy) * params.wo + u32(ox);
          let end = rowPtr[t + 1u];
          for (var e = rowPtr[t]; e < end; e++) {
            accumulate(&acc, vec4<f32>(values[perm[e]]), (colIdx[e] * plane + outPixel) * params.groups, gLo, gHi);
          }
        }
      }
    }
  }
  store(acc, ci * planeIn + pixel, at.firstGroup);
}
