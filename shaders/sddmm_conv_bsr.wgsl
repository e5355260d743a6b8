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
// A unit is one 4x4 sub-block (4 output x 4 input channels) of one tap of one block. LANES
// invocations (chosen on the host) share a unit and take interleaved output pixels; a workgroup
// holds WG / LANES consecutive units (sub-blocks of one tap: neighbouring channels at the same
// pixels). The 16 elements of a unit share their tap, so the output pixels whose tap reads inside
// the image form one rectangle (every pixel when circular), found once: the pixel loop runs over it
// with no test. Per pixel and vec4 group a lane loads 4 vec4s of dy and 4 of x and adds their 16
// dot products as one 4x4 matrix product. With LANES > 1 the lanes' partial sums meet in
// workgroup memory after one barrier and the first lane adds them. Workgroups form a folded 1D
// list (wid.x + wid.y·nwg.x).

override WG: u32 = 64;
// block size: 4, 8 or 16
override BS: u32 = 8;
// invocations per unit: a power of two dividing WG
override LANES: u32 = 1;
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

// The lanes' partial sums, used when LANES > 1.
var<workgroup> part: array<mat4x4<f32>, WG>;

// A unit: its block, tap and the sub-block's output quad qo and input quad qi.
struct Unit {
  blk: u32,
  t: u32,
  qo: u32,
  qi: u32,
}

fn unitAt(u: u32) -> Unit {
  let quads = BS / 4u;
  let taps = params.kh * params.kw;
  return Unit(u / (taps * quads * quads), (u / (quads * quads)) % taps, (u / quads) % quads, u % quads);
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

// sums[j][i] = this lane's share of Σ dy(output channel i)·x(input channel j) of the unit.
fn unitSums(unit: Unit, lane: u32) -> mat4x4<f32> {
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
  let dyRows = min(blockRow[unit.blk] * BS + 4u * unit.qo + lanes, vec4<u32>(params.cOut - 1u)) * (params.ho * params.wo * params.groups);
  let xRows = min(colIdx[unit.blk] * BS + 4u * unit.qi + lanes, vec4<u32>(params.cIn - 1u)) * (params.h * params.w * params.groups);
  let ky = unit.t / params.kw;
  let kx = unit.t % params.kw;
  let rows = insideRange(ky, params.ho, params.h);
  let cols = insideRange(kx, params.wo, params.w);
  let width = cols.y - cols.x;
  let count = (rows.y - rows.x) * width;
  var sums = mat4x4<f32>();
  for (var p = lane; p < count; p += LANES) {
    let oy = rows.x + p / width;
    let ox = cols.x + p % width;
    let dAt = dyRows + (oy * params.wo + ox) * params.groups;
    let xAt = xRows + (inputAt(oy, ky, params.h) * params.w + inputAt(ox, kx, params.w)) * params.groups;
    for (var g = 0u; g < params.groups; g++) {
      let d = mat4x4<f32>(dy[dAt.x + g], dy[dAt.y + g], dy[dAt.z + g], dy[dAt.w + g]);
      let a = mat4x4<f32>(x[xAt.x + g], x[xAt.y + g], x[xAt.z + g], x[xAt.w + g]);
      sums += transpose(d) * a;
    }
  }
  return sums;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let tile = wid.x + wid.y * nwg.x;
  // The whole workgroup shares tile, so this return keeps the barrier below in uniform control flow.
  if (tile >= params.workgroups) {
    return;
  }
  let u = tile * (WG / LANES) + lid / LANES;
  let lane = lid % LANES;
  let live = u < params.units;
  let unit = unitAt(min(u, params.units - 1u));
  var sums = mat4x4<f32>();
  if (live) {
    sums = unitSums(unit, lane);
  }
  // Slots past the last unit take part in the barrier with zero sums.
  if (LANES > 1u) {
    part[lid] = sums;
    workgroupBarrier();
    if (lane == 0u) {
      for (var j = 1u; j < LANES; j++) {
        sums += part[lid + j];
      }
    }
  }
  if (live && lane == 0u) {
    let lanes = vec4<u32>(0u, 1u, 2u, 3u);
    let out = transpose(sums);
    let inside = colIdx[unit.blk] * BS + 4u * unit.qi + lanes < vec4<u32>(params.cIn);
    let firstRow = (unit.blk * params.kh * params.kw + unit.t) * BS + 4u * unit.qo;
    for (var i = 0u; i < 4u; i++) {
      // Row (block, tap, output channel) of the values: BS elements, the unit's 4 at 4·qi.
      let row = firstRow + i;
      var keep = inside & vec4<bool>(blockRow[unit.blk] * BS + 4u * unit.qo + i < params.cOut);
      if (HAS_MASK) {
        keep &= ((vec4<u32>(maskRows[row] >> (4u * unit.qi)) >> lanes) & vec4<u32>(1u)) == vec4<u32>(1u);
      }
      dw[row * (BS / 4u) + unit.qi] = select(vec4<f32>(0.0), out[i], keep);
    }
  }
}
