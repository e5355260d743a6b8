// The one-workgroup passes of the mask update (dst_scan, dst_rows, dst_transpose's `columns`,
// dst_select's picks and selects; src/kernels/dst.ts composes this part in front of them): LANES
// invocations owning contiguous blocks, invocation i the ceil(n / LANES) items starting at
// i·ceil(n / LANES), and the exclusive prefix sums of the LANES blocks' sums, which turn per-block
// totals into each block's first output slot. 64 lanes: these passes are short, and SwiftShader
// runs them about 3x slower in a workgroup of 256.

const LANES = 64u;

var<workgroup> sums: array<u32, LANES>;

fn ownRange(lid: u32, n: u32) -> vec2<u32> {
  let per = (n + LANES - 1u) / LANES;
  let begin = min(n, lid * per);
  return vec2<u32>(begin, min(n, begin + per));
}

// Run by one invocation, between barriers: sums[j] becomes the sum of sums[0..j); returns the total.
fn scanSums() -> u32 {
  var running = 0u;
  for (var j = 0u; j < LANES; j++) {
    let s = sums[j];
    sums[j] = running;
    running += s;
  }
  return running;
}
