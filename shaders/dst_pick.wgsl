// The digit step of the mask update's radix select (shaders/dst_select.wgsl, src/kernels/dst.ts):
// given the 65536-bin histogram of one 16-bit digit of the keys, finds the digit d holding the
// need-th largest key (counting from the top), records it in the selection state work[0..4)
// (need, prefix, T, take; shaders/dst_state.wgsl, composed in front), and clears the histogram
// for the next pass.
//
// The histogram is filled with atomics by the walks; here it is bound as plain words, so the
// 65536 reads and the clearing are ordinary loads and stores (a separate dispatch orders them
// after the walk's atomics).

struct Params {
  low: u32,
  k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> work: array<u32>;

var<workgroup> partial: array<u32, 256>;

// One workgroup of 256: invocation i sums bins [256·i, 256·i + 256); the first one walks the 256
// sums from the top, then the bins of the block holding the key.
@compute @workgroup_size(256)
fn pick(@builtin(local_invocation_index) lid: u32) {
  var sum = 0u;
  for (var b = lid * 256u; b < lid * 256u + 256u; b++) {
    sum += hist[b];
  }
  partial[lid] = sum;
  workgroupBarrier();
  if (lid == 0u) {
    var need = select(params.k, work[NEED], params.low != 0u);
    var span = 255u;
    loop {
      if (partial[span] >= need || span == 0u) {
        break;
      }
      need -= partial[span];
      span -= 1u;
    }
    var d = span * 256u + 255u;
    loop {
      let n = hist[d];
      if (n >= need || d == span * 256u) {
        break;
      }
      need -= n;
      d -= 1u;
    }
    if (params.low == 0u) {
      work[PREFIX] = d << 16u;
      work[NEED] = need;
    } else {
      work[THRESHOLD] = work[PREFIX] | d;
      work[TAKE] = need;
    }
  }
  storageBarrier();
  workgroupBarrier();
  for (var b = lid * 256u; b < lid * 256u + 256u; b++) {
    hist[b] = 0u;
  }
}
