// CSR sampled dense-dense product (the weight gradient): dw[e] = (dYᵀ·X)[r][c] for every stored
// entry e of W at (r, c), in W.values order, and the bias gradient db[r] = Σ over examples of
// dY[r], float32: one pass for both, so a layer's parameter gradients cost one dispatch.
//
// Inputs (sizes in `params`): W's pattern (rowPtr, colIdx; rows = out features); dY and X arrive
// feature-major (see feature_major.wgsl): dyT is out x 4·groups, xT is in x 4·groups, padding
// columns 0, so entry e's gradient is the dot product of two contiguous rows, dyT[r] · xT[c],
// read as vec4s.
//
// Work is cut into items of at most SEGMENT (<= 8) consecutive entries of one row (Sputnik's
// several threads per long row): items[i] = (row, first entry), built once per mask on the host.
// One invocation computes one item: each vec4 of dyT[r] is loaded once and dotted with the same
// vec4 of up to 8 rows of xT, the 8 running sums held as two vec4s. Entries past the item re-read
// its last column (no branch in the loop) and are not stored. Items, not rows, are the unit of
// work, so skewed rows balance without a swizzle. The 8 dot products are written out rather than
// looped: SwiftShader does not unroll loops, and loop-indexed arrays live in memory.
//
// The invocations after the items, one per row of W (empty rows too: their bias still has a
// gradient), each sum one row of dyT as a vec4 and then its 4 components (channel_sums.wgsl's
// order at plane 1). Workgroups form a folded 1D list (linear index wid.x + wid.y·nwg.x) over
// items + rows invocations.

override WG: u32 = 64;
// entries per item, at most 8; the host builds items with the same value
override SEGMENT: u32 = 8;

struct Params {
  items: u32,
  // W's rows: the bias gradient's length
  rows: u32,
  groups: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> items: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(3) var<storage, read> colIdx: array<u32>;
@group(0) @binding(4) var<storage, read> dyT: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> xT: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dw: array<f32>;
@group(0) @binding(7) var<storage, read_write> db: array<f32>;

fn biasGradient(row: u32) {
  let base = row * params.groups;
  var sum = vec4<f32>(0.0);
  for (var g = 0u; g < params.groups; g++) {
    sum += dyT[base + g];
  }
  db[row] = (sum.x + sum.y) + (sum.z + sum.w);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.items) {
    if (i - params.items < params.rows) {
      biasGradient(i - params.items);
    }
    return;
  }
  let row = items[i].x;
  let first = items[i].y;
  let count = min(SEGMENT, rowPtr[row + 1u] - first);

  // Row starts in xT of the item's entries (entries past the item repeat its last one).
  let lastEntry = vec4<u32>(first + count - 1u);
  let eLo = min(first + vec4<u32>(0u, 1u, 2u, 3u), lastEntry);
  let eHi = min(first + vec4<u32>(4u, 5u, 6u, 7u), lastEntry);
  let cLo = vec4<u32>(colIdx[eLo.x], colIdx[eLo.y], colIdx[eLo.z], colIdx[eLo.w]) * params.groups;
  let cHi = vec4<u32>(colIdx[eHi.x], colIdx[eHi.y], colIdx[eHi.z], colIdx[eHi.w]) * params.groups;

  let dyBase = row * params.groups;
  var sumLo = vec4<f32>(0.0);
  var sumHi = vec4<f32>(0.0);
  for (var g = 0u; g < params.groups; g++) {
    let d = dyT[dyBase + g];
    sumLo += vec4<f32>(dot(d, xT[cLo.x + g]), dot(d, xT[cLo.y + g]), dot(d, xT[cLo.z + g]), dot(d, xT[cLo.w + g]));
    if (SEGMENT > 4u) {
      sumHi += vec4<f32>(dot(d, xT[cHi.x + g]), dot(d, xT[cHi.y + g]), dot(d, xT[cHi.z + g]), dot(d, xT[cHi.w + g]));
    }
  }
  let sums = array<vec4<f32>, 2>(sumLo, sumHi);
  for (var q = 0u; q < count; q++) {
    dw[first + q] = sums[q / 4u][q % 4u];
  }
}
