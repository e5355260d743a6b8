// Block-sparse conv weight gradient, float32: dw, laid out like the filter's values (block after
// block, tap after tap, each a BS x BS row-major matrix of output x input channels), =
// Σ over output pixels (oy, ox) and examples b of dy[co][oy][ox][b] · x[ci][iy][ix][b] at every
// element of every stored block, iy = oy·stride + ky - padding and ix = ox·stride + kx - padding;
// terms reading zero padding are skipped, circular padding wraps once (conv-geometry.ts limits
// padding to min(h, w)). dw is exactly 0 at channels past cOut / cIn and, when HAS_MASK, wherever
// the element mask is 0 (so training keeps those elements 0).
//
// Inputs (shape in `params`): blockRow[blk] and colIdx[blk], block blk's block row and column;
// maskRows, one word per (block, tap, output channel of the block) with bit j set when input
// channel j of the block is in the pattern (read when HAS_MASK); dy (cOut·ho·wo features) and x
// (cIn·h·w) in the activation layout, `groups` vec4s of 4 examples per feature, padding columns 0
// (they add nothing).
//
// A unit is QO x QI 4x4 sub-blocks (QO quads of 4 output channels x QI quads of 4 input channels)
// of one tap of one block. LANES invocations (chosen on the host) share a unit and take
// interleaved output pixels; a workgroup holds WG / LANES consecutive units (of one tap:
// neighbouring channels at the same pixels). A unit's elements share their tap, so the output
// pixels whose tap reads inside the image form one rectangle (every pixel when circular), found
// once: the pixel loop runs over it with no test. Per pixel and vec4 group a lane loads 4 vec4s of
// dy per output quad and 4 of x per input quad and adds QO·QI 4x4 matrix products (16 dot products
// each): every loaded vec4 feeds 4·QI or 4·QO of them. The QO·QI accumulators are written out,
// guarded by the constants (SwiftShader does not unroll loops; loop-indexed local arrays live in
// memory). With LANES > 1 the lanes' partial sums meet in workgroup memory, one accumulator at a
// time between two barriers, and the first lane adds them. Workgroups form a folded 1D list
// (wid.x + wid.y·nwg.x).

override WG: u32 = 64;
// block size: 4, 8 or 16
override BS: u32 = 8;
// invocations per unit: a power of two dividing WG
override LANES: u32 = 1;
// output and input quads per unit: 1, 2 or 4, dividing BS / 4
override QO: u32 = 1;
override QI: u32 = 1;
override HAS_MASK: bool = false;

struct Params {
  units: u32,
  // workgroups that hold a unit
  workgroups: u32,
  groups: u32,
  cOut: u32,
  cIn: u32,
  h: u32,
  w: u32,
  kh: u32,
  kw: u32,
  stride: u32,
  padding: u32,
  circular: u32,
  ho: u32,
  wo: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> blockRow: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> maskRows: array<u32>;
@group(0) @binding(4) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dw: array<vec4<f32>>;

// The lanes' partial sums of one accumulator, used when LANES > 1.
var<workgroup> part: array<mat4x4<f32>, WG>;

// A unit: its block, tap and first output and input quads.
struct Unit {
  blk: u32,
  t: u32,
  qo: u32,
  qi: u32,
}

fn unitAt(u: u32) -> Unit {
  let outGroups = BS / (4u * QO);
  let inGroups = BS / (4u * QI);
  let perTap = outGroups * inGroups;
  let taps = params.kh * params.kw;
  return Unit(u / (taps * perTap), (u / perTap) % taps, (u / inGroups) % outGroups * QO, u % inGroups * QI);
}

// [first, end) of the outputs o < n whose tap k reads inside an input side of `size`:
// 0 <= o·stride + k - padding < size (every o when circular).
fn insideRange(k: u32, n: u32, size: u32) -> vec2<u32> {
  if (params.circular != 0u) {
    return vec2<u32>(0u, n);
  }
  let s = i32(params.stride);
  let lo = max(i32(params.padding) - i32(k), 0);
  let hi = i32(size) - 1 + i32(params.padding) - i32(k);
  if (hi < 0) {
    return vec2<u32>(0u, 0u);
  }
  let first = u32((lo + s - 1) / s);
  return vec2<u32>(first, max(first, min(u32(hi / s) + 1u, n)));
}

// u = o·stride + k - padding, wrapped into [0, size) when circular (inside already otherwise).
fn inputAt(o: u32, k: u32, size: u32) -> u32 {
  let u = i32(o * params.stride + k) - i32(params.padding);
  let n = i32(size);
  return u32(u + select(0, n, u < 0) - select(0, n, u >= n));
}

// The vec4 offsets of quad q's 4 channels (from channel `first`, the last real one `last`).
fn quadRows(first: u32, q: u32, last: u32, plane: u32) -> vec4<u32> {
  return min(vec4<u32>(first + 4u * q) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last)) * plane;
}

fn load(rows: vec4<u32>, fromDy: bool) -> mat4x4<f32> {
  if (fromDy) {
    return mat4x4<f32>(dy[rows.x], dy[rows.y], dy[rows.z], dy[rows.w]);
  }
  return mat4x4<f32>(x[rows.x], x[rows.y], x[rows.z], x[rows.w]);
}

// sums[k][j][i] = this lane's share of Σ dy(channel i of output quad k / QI)·x(channel j of
// input quad k % QI) of the unit.
fn unitSums(sums: ptr<function, array<mat4x4<f32>, 16>>, unit: Unit, lane: u32) {
  let dyPlane = params.ho * params.wo * params.groups;
  let xPlane = params.h * params.w * params.groups;
  let co = blockRow[unit.blk] * BS + 4u * unit.qo;
  let ci = colIdx[unit.blk] * BS + 4u * unit.qi;
  var dyRows: array<vec4<u32>, 4>;
  var xRows: array<vec4<u32>, 4>;
  dyRows[0] = quadRows(co, 0u, params.cOut - 1u, dyPlane);
  xRows[0] = quadRows(ci, 0u, params.cIn - 1u, xPlane);
  if (QO >= 2u) {
    dyRows[1] = quadRows(co, 1u, params.cOut - 1u, dyPlane);
  }
  if (QO >= 4u) {
    dyRows[2] = quadRows(co, 2u, params.cOut - 1u, dyPlane);
    dyRows[3] = quadRows(co, 3u, params.cOut - 1u, dyPlane);
  }
  if (QI >= 2u) {
    xRows[1] = quadRows(ci, 1u, params.cIn - 1u, xPlane);
  }
  if (QI >= 4u) {
    xRows[2] = quadRows(ci, 2u, params.cIn - 1u, xPlane);
    xRows[3] = quadRows(ci, 3u, params.cIn - 1u, xPlane);
  }
  let ky = unit.t / params.kw;
  let kx = unit.t % params.kw;
  let rows = insideRange(ky, params.ho, params.h);
  let cols = insideRange(kx, params.wo, params.w);
  let width = cols.y - cols.x;
  let count = (rows.y - rows.x) * width;
  let s = QO * QI;
  // A runtime copy: indices k / QI past the arrays appear in the guarded-off steps below, which a
  // constant divisor would make a compile error.
  let qi = QI;
  for (var p = lane; p < count; p += LANES) {
    let oy = rows.x + p / width;
    let ox = cols.x + p % width;
    let dAt = (oy * params.wo + ox) * params.groups;
    let xAt = (inputAt(oy, ky, params.h) * params.w + inputAt(ox, kx, params.w)) * params.groups;
    for (var g = 0u; g < params.groups; g++) {
      var d: array<mat4x4<f32>, 4>;
      var a: array<mat4x4<f32>, 4>;
      d[0] = transpose(load(dyRows[0] + dAt + g, true));
      a[0] = load(xRows[0] + xAt + g, false);
      if (QO >= 2u) {
        d[1] = transpose(load(dyRows[1] + dAt + g, true));
      }
      if (QO >= 4u) {
        d[2] = transpose(load(dyRows[2] + dAt + g, true));
        d[3] = transpose(load(dyRows[3] + dAt + g, true));
      }
      if (QI >= 2u) {
        a[1] = load(xRows[1] + xAt + g, false);
      }
      if (QI >= 4u) {
        a[2] = load(xRows[2] + xAt + g, false);
        a[3] = load(xRows[3] + xAt + g, false);
      }
      (*sums)[0] += d[0] * a[0];
      if (s >= 2u) {
        (*sums)[1] += d[1u / qi] * a[1u % qi];
      }
      if (s >= 4u) {
        (*sums)[2] += d[2u / qi] * a[2u % qi];
        (*sums)[3] += d[3u / qi] * a[3u % qi];
      }
      if (s >= 8u) {
        (*sums)[4] += d[4u / qi] * a[4u % qi];
        (*sums)[5] += d[5u / qi] * a[5u % qi];
        (*sums)[6] += d[6u / qi] * a[6u % qi];
        (*sums)[7] += d[7u / qi] * a[7u % qi];
      }
      if (s >= 16u) {
        (*sums)[8] += d[8u / qi] * a[8u % qi];
        (*sums)[9] += d[9u / qi] * a[9u % qi];
        (*sums)[10] += d[10u / qi] * a[10u % qi];
        (*sums)[11] += d[11u / qi] * a[11u % qi];
        (*sums)[12] += d[12u / qi] * a[12u % qi];
        (*sums)[13] += d[13u / qi] * a[13u % qi];
        (*sums)[14] += d[14u / qi] * a[14u % qi];
        (*sums)[15] += d[15u / qi] * a[15u % qi];
      }
    }
  }
}

// The sum of the unit's lanes' `m` (valid in its first lane). Called from uniform control flow.
fn lanesSum(lid: u32, lane: u32, m: mat4x4<f32>) -> mat4x4<f32> {
  part[lid] = m;
  workgroupBarrier();
  var sum = m;
  if (lane == 0u) {
    for (var j = 1u; j < LANES; j++) {
      sum += part[lid + j];
    }
  }
  workgroupBarrier();
  return sum;
}

// Writes accumulator k (output quad unit.qo + k / QI, input quad unit.qi + k % QI) into dw, 0
// outside the channels and, when HAS_MASK, where the element mask is 0.
fn store(sums: array<mat4x4<f32>, 16>, unit: Unit) {
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
  let tapRow = (unit.blk * params.kh * params.kw + unit.t) * BS;
  for (var k = 0u; k < QO * QI; k++) {
    let qo = unit.qo + k / QI;
    let qi = unit.qi + k % QI;
    let out = transpose(sums[k]);
    let inside = colIdx[unit.blk] * BS + 4u * qi + lanes < vec4<u32>(params.cIn);
    for (var i = 0u; i < 4u; i++) {
      // Row (block, tap, output channel) of the values: BS elements, these 4 at 4·qi.
      let row = tapRow + 4u * qo + i;
      var keep = inside & vec4<bool>(blockRow[unit.blk] * BS + 4u * qo + i < params.cOut);
      if (HAS_MASK) {
        keep &= ((vec4<u32>(maskRows[row] >> (4u * qi)) >> lanes) & vec4<u32>(1u)) == vec4<u32>(1u);
      }
      dw[row * (BS / 4u) + qi] = select(vec4<f32>(0.0), out[i], keep);
    }
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let tile = wid.x + wid.y * nwg.x;
  // The whole workgroup shares tile, so this return keeps the barriers below in uniform control flow.
  if (tile >= params.workgroups) {
    return;
  }
  let u = tile * (WG / LANES) + lid / LANES;
  let lane = lid % LANES;
  let live = u < params.units;
  let unit = unitAt(min(u, params.units - 1u));
  var sums: array<mat4x4<f32>, 16>;
  if (live) {
    unitSums(&sums, unit, lane);
  }
  // Slots past the last unit take part in the barriers with zero sums.
  if (LANES > 1u) {
    let s = QO * QI;
    sums[0] = lanesSum(lid, lane, sums[0]);
    if (s >= 2u) {
      sums[1] = lanesSum(lid, lane, sums[1]);
    }
    if (s >= 4u) {
      sums[2] = lanesSum(lid, lane, sums[2]);
      sums[3] = lanesSum(lid, lane, sums[3]);
    }
    if (s >= 8u) {
      sums[4] = lanesSum(lid, lane, sums[4]);
      sums[5] = lanesSum(lid, lane, sums[5]);
      sums[6] = lanesSum(lid, lane, sums[6]);
      sums[7] = lanesSum(lid, lane, sums[7]);
    }
    if (s >= 16u) {
      sums[8] = lanesSum(lid, lane, sums[8]);
      sums[9] = lanesSum(lid, lane, sums[9]);
      sums[10] = lanesSum(lid, lane, sums[10]);
      sums[11] = lanesSum(lid, lane, sums[11]);
      sums[12] = lanesSum(lid, lane, sums[12]);
      sums[13] = lanesSum(lid, lane, sums[13]);
      sums[14] = lanesSum(lid, lane, sums[14]);
      sums[15] = lanesSum(lid, lane, sums[15]);
    }
  }
  if (live && lane == 0u) {
    store(sums, unit);
  }
}
