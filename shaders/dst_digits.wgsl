// The one-workgroup select of the mask update (dst_select's drop, dst_grow's RigL candidates;
// src/kernels/dst.ts composes this part in front of them, which define digitKey(i), the i-th key):
// selectDigits finds the k-th largest of n keys and how many keys equal to it are taken, by four
// 8-bit digits, each counted in a 256-bin workgroup histogram. It runs in one workgroup of LANES
// invocations (shaders/dst_lanes.wgsl), every one of which must call it (it holds barriers).

var<workgroup> bins: array<atomic<u32>, 256>;
// selectDigits' digits so far (x: the key's bits above the next digit) and the keys still to take (y).
var<workgroup> chosen: vec2<u32>;

// Each invocation counts every LANES-th key; returns (T, take). For k = 0: T = 0xffffffff, take 0.
fn selectDigits(lid: u32, n: u32, k: u32) -> vec2<u32> {
  if (lid == 0u) {
    chosen = vec2<u32>(0u, k);
  }
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    for (var b = lid; b < 256u; b += LANES) {
      atomicStore(&bins[b], 0u);
    }
    workgroupBarrier();
    let above = chosen.x;
    // The bits above this round's digit (none in the first round).
    let high = select(0xffffffffu << (shift + 8u), 0u, round == 0u);
    for (var i = lid; i < n; i += LANES) {
      let key = digitKey(i);
      if ((key & high) == above) {
        atomicAdd(&bins[(key >> shift) & 255u], 1u);
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var need = chosen.y;
      var d = 255u;
      loop {
        let count = atomicLoad(&bins[d]);
        if (count >= need || d == 0u) {
          break;
        }
        need -= count;
        d -= 1u;
      }
      chosen = vec2<u32>(above | (d << shift), need);
    }
    workgroupBarrier();
  }
  return chosen;
}
