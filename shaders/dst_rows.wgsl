// Per-row structure rebuilt on the GPU after a mask update (src/kernels/dst.ts), from a
// compressed-row pattern's starts `starts` (n + 1 words: W's rows, or Wᵀ's, i.e. W's columns).
//
// rank: one invocation per row i writes order[rank] = i, where rank counts the rows longer than i
// and the rows as long with a lower index: the row swizzle of src/sparse/swizzle.ts (decreasing
// length, ties by index). O(n) per invocation, no sort needed.
// sddmm_count / sddmm_items: the SDDMM work items (src/sparse/gpu-csr.ts): row i is cut into
// ceil(len / SEGMENT) items (i, starts[i] + j·SEGMENT); counts[i] gets the count, the host scans
// counts, and items[2·(counts[i] + j)..] gets (i, first entry).

override WG: u32 = 64;
override SEGMENT: u32 = 8;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;
@group(0) @binding(4) var<storage, read_write> items: array<u32>;

fn index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn rank(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  let len = starts[i + 1u] - starts[i];
  var rank = 0u;
  for (var j = 0u; j < params.n; j++) {
    let other = starts[j + 1u] - starts[j];
    rank += select(0u, 1u, other > len || (other == len && j < i));
  }
  order[rank] = i;
}

@compute @workgroup_size(WG)
fn sddmm_count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  counts[i] = (starts[i + 1u] - starts[i] + SEGMENT - 1u) / SEGMENT;
}

@compute @workgroup_size(WG)
fn sddmm_items(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  var item = counts[i];
  for (var e = starts[i]; e < starts[i + 1u]; e += SEGMENT) {
    items[2u * item] = i;
    items[2u * item + 1u] = e;
    item += 1u;
  }
}
