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
// One workgroup computes one item. Its reduction runs over ho·wo pixels x `groups` vec4s, so the
// WG invocations split it: `gLanes` of them share a pixel and take interleaved vec4 groups, the
// WG / gLanes pixel lanes take interleaved pixels (gLanes > 1 only when the image has fewer
// pixels than the workgroup has invocations). Per pixel an invocation finds its entries' input
// features once (vector arithmetic over 4 entries at a time), then per vec4 group loads dy once
// and dots it with up to 8 x rows; taps that fall into zero padding read feature 0 and their
// pixel sum is dropped by a select, so the inner loop has no branch. Entries past the item repeat
// its last one and are not stored. The 8 sums are two vec4s written out by hand (SwiftShader does
// not unroll loops; loop-indexed arrays live in memory). A tree reduction in workgroup memory
// then adds the WG partial sums. Workgroups form a folded 1D list (wid.x + wid.y·nwg.x).

// a power of two (the tree reduction halves it)
override WG: u32 = 64;
// entries per item, at most 8; the host builds items with the same value
override SEGMENT: u32 = 8;

struct Params {
  items: u32,
  groups: u32,
  // invocations sharing a pixel: a power of two dividing WG
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

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = wid.x + wid.y * nwg.x;
  // The whole workgroup shares i, so this return keeps the barriers below in uniform control flow.
  if (i >= params.items) {
    return;
  }
  let row = items[i].x;
  let first = items[i].y;
  let count = min(SEGMENT, rowPtr[row + 1u] - first);

  // The item's entries decoded into (first input row of channel ci, ky, kx); entries past the
  // item repeat its last one.
  let lastEntry = vec4<u32>(first + count - 1u);
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
  let pixelLanes = WG / params.gLanes;
  let gLane = lid % params.gLanes;
  var sumLo = vec4<f32>(0.0);
  var sumHi = vec4<f32>(0.0);
  for (var p = lid / params.gLanes; p < pixels; p += pixelLanes) {
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
    sumLo += select(vec4<f32>(0.0), pixLo, lo.valid);
    sumHi += select(vec4<f32>(0.0), pixHi, hi.valid);
  }

  partLo[lid] = sumLo;
  partHi[lid] = sumHi;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) {
      partLo[lid] += partLo[lid + s];
      partHi[lid] += partHi[lid + s];
    }
  }
  if (lid == 0u) {
    let sums = array<vec4<f32>, 2>(partLo[0], partHi[0]);
    for (var q = 0u; q < count; q++) {
      dw[first + q] = sums[q / 4u][q % 4u];
    }
  }
}
