// The digit step of the mask update's radix select across workgroups, composed into
// shaders/dst_select.wgsl (whose `hist`, `work` and params it uses). It runs in one workgroup of
// LANES invocations (shaders/dst_lanes.wgsl), every one of which must call it (it holds barriers).
//
// pickDigit: given the 65536-bin histogram of one 16-bit digit of the keys (hist[0..HIST_BINS)),
// finds the digit d holding the need-th largest key (counting from the top: params.k for the high
// digit, work[NEED] for the low one), records it in the selection state (shaders/dst_state.wgsl)
// and clears the histogram for the next pass.

var<workgroup> partial: array<u32, LANES>;

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
