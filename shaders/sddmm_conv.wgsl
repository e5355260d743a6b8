// Conv weight gradient at the stored taps: an SDDMM against the implicit im2col of x, float32.
// dw[e] = Σ over output pixels (oy, ox) and examples b of dy[co][oy][ox][b] · x[ci][iy][ix][b] for
// every stored entry e of the CSR filter at (co, (ci·kh + ky)·kw + kx), in values order, where
// iy = oy·stride + ky - padding and ix = ox·stride + kx - padding; outside the image the term is
// skipped (zero padding) or the position wraps once (circular padding, which conv-geometry.ts
// limits to padding <= min(h, w), so one wrap always lands inside).
//
// Inputs (shape in `params`): the filter's pattern (rowPtr, colIdx) and its SDDMM work items
// (row, first entry: at most SEGMENT consecutive entries of one row, the items sddmm_csr.wgsl
// uses); dy (cOut·ho·wo features) and x (cIn·h·w features) in the activation layout, `groups`
// vec4s of 4 examples per feature row, padding columns 0 (so they add nothing).
//
// LANES invocations (chosen on the host) compute one item, a workgroup WG / LANES consecutive
// items. The item's reduction runs over ho·wo pixels x `groups` vec4s: `gLanes` of its lanes share
// a pixel and take interleaved vec4 groups, the LANES / gLanes pixel lanes take interleaved pixels
// (gLanes > 1 only when the image has fewer pixels than the item has lanes). Per pixel a lane
// finds its entries' input features once (vector arithmetic over 4 entries at a time), then per
// vec4 group loads dy once and dots it with up to 8 x rows; taps that fall into zero padding read
// feature 0 and their pixel sum is dropped by a select, so the inner loop has no branch. Entries
// past the item repeat its last one and are not stored. The 8 sums are two vec4s written out by
// hand (SwiftShader does not unroll loops; loop-indexed arrays live in memory). With LANES > 1 the
// lanes' partial sums meet in workgroup memory after one barrier and the first lane adds them.
// Few lanes per item are fast on SwiftShader (measured at 64 channels, 28x28, batch 32: 1 to 4
// lanes about 1.9x faster than 64, and LANES = 1 has no barrier at all); the host adds lanes only
// while the grid is too small to fill a GPU. Workgroups form a folded 1D list (wid.x + wid.y·nwg.x).

override WG: u32 = 64;
// entries per item, at most 8; the host builds items with the same value
override SEGMENT: u32 = 8;
// invocations per item: a power of two dividing WG
override LANES: u32 = 1;

struct Params {
  items: u32,
  // workgroups that hold an item
  workgroups: u32,
  groups: u32,
  // lanes of an item sharing a pixel: a power of two dividing LANES
  gLanes: u32,
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
@group(0) @binding(1) var<storage, read> items: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(3) var<storage, read> colIdx: array<u32>;
@group(0) @binding(4) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dw: array<f32>;

// The lanes' partial sums, used when LANES > 1.
var<workgroup> partLo: array<vec4<f32>, WG>;
var<workgroup> partHi: array<vec4<f32>, WG>;

// Positions u = o·stride + k - padding of 4 entries, wrapped into [0, n) when circular.
fn wrapped(u: vec4<i32>, n: i32) -> vec4<i32> {
  if (params.circular == 0u) {
    return u;
  }
  let up = select(u, u + n, u < vec4<i32>(0));
  return select(up, up - n, up >= vec4<i32>(n));
}

// The x vec4 index of group 0 of 4 entries' input features at output pixel (oy, ox), 0 where
// `valid` is false, and `valid`: whether each tap lies inside the image.
struct Taps {
  base: vec4<u32>,
  valid: vec4<bool>,
}

fn taps(channelRow: vec4<i32>, ky: vec4<i32>, kx: vec4<i32>, oy: u32, ox: u32) -> Taps {
  let h = i32(params.h);
  let w = i32(params.w);
  let iy = wrapped(vec4<i32>(i32(oy * params.stride) - i32(params.padding)) + ky, h);
  let ix = wrapped(vec4<i32>(i32(ox * params.stride) - i32(params.padding)) + kx, w);
  let valid = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(h)) & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(w));
  let feature = select(vec4<i32>(0), (channelRow + iy) * w + ix, valid);
  return Taps(vec4<u32>(feature) * params.groups, valid);
}

// The item's two vec4s of sums (entries first .. first + 7) over this lane's share of the
// reduction: lane / gLanes is its pixel lane, lane % gLanes its group lane.
struct Sums {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

// Entries in an item (row, first entry): at most SEGMENT.
fn entryCount(item: vec2<u32>) -> u32 {
  return min(SEGMENT, rowPtr[item.x + 1u] - item.y);
}

fn itemSums(item: vec2<u32>, lane: u32) -> Sums {
  let row = item.x;
  let first = item.y;
  // The item's entries decoded into (first input row of channel ci, ky, kx); entries past the
  // item repeat its last one.
  let lastEntry = vec4<u32>(first + entryCount(item) - 1u);
  let eLo = min(first + vec4<u32>(0u, 1u, 2u, 3u), lastEntry);
  let eHi = min(first + vec4<u32>(4u, 5u, 6u, 7u), lastEntry);
  let colLo = vec4<u32>(colIdx[eLo.x], colIdx[eLo.y], colIdx[eLo.z], colIdx[eLo.w]);
  let colHi = vec4<u32>(colIdx[eHi.x], colIdx[eHi.y], colIdx[eHi.z], colIdx[eHi.w]);
  let kk = params.kh * params.kw;
  let chLo = vec4<i32>((colLo / kk) * params.h);
  let chHi = vec4<i32>((colHi / kk) * params.h);
  let kyLo = vec4<i32>((colLo / params.kw) % params.kh);
  let kyHi = vec4<i32>((colHi / params.kw) % params.kh);
  let kxLo = vec4<i32>(colLo % params.kw);
  let kxHi = vec4<i32>(colHi % params.kw);

  let pixels = params.ho * params.wo;
  let pixelLanes = LANES / params.gLanes;
  let gLane = lane % params.gLanes;
  var sums = Sums(vec4<f32>(0.0), vec4<f32>(0.0));
  for (var p = lane / params.gLanes; p < pixels; p += pixelLanes) {
    let oy = p / params.wo;
    let ox = p - oy * params.wo;
    let lo = taps(chLo, kyLo, kxLo, oy, ox);
    var hi = lo;
    if (SEGMENT > 4u) {
      hi = taps(chHi, kyHi, kxHi, oy, ox);
    }
    let dyBase = (row * pixels + p) * params.groups;
    var pixLo = vec4<f32>(0.0);
    var pixHi = vec4<f32>(0.0);
    for (var g = gLane; g < params.groups; g += params.gLanes) {
      let d = dy[dyBase + g];
      pixLo += vec4<f32>(dot(d, x[lo.base.x + g]), dot(d, x[lo.base.y + g]), dot(d, x[lo.base.z + g]), dot(d, x[lo.base.w + g]));
      if (SEGMENT > 4u) {
        pixHi += vec4<f32>(dot(d, x[hi.base.x + g]), dot(d, x[hi.base.y + g]), dot(d, x[hi.base.z + g]), dot(d, x[hi.base.w + g]));
      }
    }
    sums.lo += select(vec4<f32>(0.0), pixLo, lo.valid);
    sums.hi += select(vec4<f32>(0.0), pixHi, hi.valid);
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
  let i = tile * (WG / LANES) + lid / LANES;
  let lane = lid % LANES;
  let live = i < params.items;
  var sums = Sums(vec4<f32>(0.0), vec4<f32>(0.0));
  if (live) {
    sums = itemSums(items[i], lane);
  }
  // Slots past the last item take part in the barrier with zero sums.
  if (LANES > 1u) {
    partLo[lid] = sums.lo;
    partHi[lid] = sums.hi;
    workgroupBarrier();
    if (lane == 0u) {
      for (var j = 1u; j < LANES; j++) {
        sums.lo += partLo[lid + j];
        sums.hi += partHi[lid + j];
      }
    }
  }
  if (live && lane == 0u) {
    let first = items[i].y;
    let out = array<vec4<f32>, 2>(sums.lo, sums.hi);
    for (var q = 0u; q < entryCount(items[i]); q++) {
      dw[first + q] = out[q / 4u][q % 4u];
    }
  }
}
