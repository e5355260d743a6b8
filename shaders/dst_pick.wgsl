// The digit steps of the mask update's radix selects, composed into shaders/dst_select.wgsl (whose
// `hist`, `work` and params they use, and whose digitKey gives the keys of the one-workgroup select).
// Both run in one workgroup of LANES invocations (shaders/dst_lanes.wgsl), every one of which
// must call them (they hold barriers).
//
// pickDigit: given the 65536-bin histogram of one 16-bit digit of the keys (hist[0..HIST_BINS)),
// finds the digit d holding the need-th largest key (counting from the top: params.k for the high
// digit, work[NEED] for the low one), records it in the selection state (shaders/dst_state.wgsl)
// and clears the histogram for the next pass.
// selectDigits: the k-th largest of n keys (digitKey(i), i < n) and how many keys equal to
// it are taken, by four 8-bit digits, each counted in a 256-bin workgroup histogram.

var<workgroup> partial: array<u32, LANES>;
var<workgroup> bins: array<atomic<u32>, 256>;
// selectDigits' digits so far (x: the key's bits above the next digit) and the keys still to take (y).
var<workgroup> chosen: vec2<u32>;

// Invocation i sums the i-th block of HIST_BINS / LANES bins; the first one walks the block sums
// from the top, then the bins of the block holding the key.
fn pickDigit(lid: u32, low: bool) {
  let per = HIST_BINS / LANES;
  var sum = 0u;
  for (var b = lid * per; b < lid * per + per; b++) {
    sum += atomicLoad(&hist[b]);
  }
  partial[lid] = sum;
  workgroupBarrier();
  if (lid == 0u) {
    var need = select(params.k, work[NEED], low);
    var span = LANES - 1u;
    loop {
      if (partial[span] >= need || span == 0u) {
        break;
      }
      need -= partial[span];
      span -= 1u;
    }
    var d = span * per + per - 1u;
    loop {
      let n = atomicLoad(&hist[d]);
      if (n >= need || d == span * per) {
        break;
      }
      need -= n;
      d -= 1u;
    }
    if (low) {
      work[THRESHOLD] = work[PREFIX] | d;
      work[TAKE] = need;
    } else {
      work[PREFIX] = d << 16u;
      work[NEED] = need;
    }
  }
  storageBarrier();
  for (var b = lid * per; b < lid * per + per; b++) {
    atomicStore(&hist[b], 0u);
  }
  storageBarrier();
}

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
