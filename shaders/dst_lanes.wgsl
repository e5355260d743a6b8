// The one-workgroup passes of the mask update (dst_scan, dst_rows, dst_transpose's `columns`,
// dst_select's picks and selects; src/kernels/dst.ts composes this part in front of them): LANES
// invocations owning contiguous blocks, invocation i the ceil(n / LANES) items starting at
// i·ceil(n / LANES), and the exclusive prefix sums of the LANES blocks' sums, which turn per-block
// totals into each block's first output slot. LANES has no default: the host sets it on every
// pipeline that composes this part (64: these passes are short, and SwiftShader runs them about
// 3x slower in a workgroup of 256), so its size is stated in one place.

override LANES: u32;

var<workgroup> sums: array<u32, LANES>;

fn ownRange(lid: u32, n: u32) -> vec2<u32> {
  let per = (n + LANES - 1u) / LANES;
  let begin = min(n, lid * per);
  return vec2<u32>(begin, min(n, begin + per));
}

var<workgroup> laneTotal: u32;

// Called by every invocation alike (it holds barriers): x = the sum of `count` over the lanes
// before lid (lane lid's first output slot), y = the sum over all lanes.
fn laneScan(lid: u32, count: u32) -> vec2<u32> {
  workgroupBarrier();
  sums[lid] = count;
  workgroupBarrier();
  if (lid == 0u) {
    var running = 0u;
    for (var j = 0u; j < LANES; j++) {
      let s = sums[j];
      sums[j] = running;
      running += s;
    }
    laneTotal = running;
  }
  workgroupBarrier();
  return vec2<u32>(sums[lid], laneTotal);
}
