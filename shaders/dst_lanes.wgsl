// The one-workgroup passes of the mask update (dst_scan, dst_rows, dst_transpose's `columns`;
// src/kernels/dst.ts composes this part in front of them): 256 invocations, invocation i owning
// the contiguous block of ceil(n / 256) items starting at i·ceil(n / 256), and the exclusive prefix
// sums of the 256 blocks' sums, which turn per-block totals into each block's first output slot.

var<workgroup> sums: array<u32, 256>;

fn ownRange(lid: u32, n: u32) -> vec2<u32> {
  let per = (n + 255u) / 256u;
  let begin = min(n, lid * per);
  return vec2<u32>(begin, min(n, begin + per));
}

// Run by one invocation, between barriers: sums[j] becomes the sum of sums[0..j); returns the total.
fn scanSums() -> u32 {
  var running = 0u;
  for (var j = 0u; j < 256u; j++) {
    let s = sums[j];
    sums[j] = running;
    running += s;
  }
  return running;
}
