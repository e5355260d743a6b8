// The digit steps of the mask update's radix selects (shaders/dst_select.wgsl, src/kernels/dst.ts),
// recording what they find in the selection state work[0..5) (need, prefix, T, take, fallback;
// shaders/dst_state.wgsl, composed in front).
//
// pick: given the 65536-bin histogram of one 16-bit digit of the keys, finds the digit d holding
// the need-th largest key (counting from the top) and clears the histogram for the next pass. With
// `gated` (the fallback of SET's candidate selection) it does nothing unless work[FALLBACK] is set.
// candidates: SET's exact select among the candidate keys one walk collected (hist[CANDIDATES..],
// their count at hist[CANDIDATE_COUNT]): when at least k and at most `capacity` were found, every
// key at or above the k-th largest is among them, so the k-th largest of the candidates is T; it
// is found by four 8-bit digits, each counted in a 256-bin workgroup histogram. Otherwise it sets
// work[FALLBACK]. Clears the count for the next walk.
//
// The histogram is filled with atomics by the walks; here it is bound as plain words, so the
// 65536 reads and the clearing are ordinary loads and stores (a separate dispatch orders them
// after the walk's atomics).

struct Params {
  low: u32,
  k: u32,
  gated: u32,
  capacity: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> work: array<u32>;

var<workgroup> partial: array<u32, 256>;
var<workgroup> bins: array<atomic<u32>, 256>;
// The candidate select's digits so far (x: the key's bits above the next digit) and the keys still to take (y).
var<workgroup> chosen: vec2<u32>;

// One workgroup of 256: invocation i sums bins [256·i, 256·i + 256); the first one walks the 256
// sums from the top, then the bins of the block holding the key. Every barrier is reached by all
// invocations, idle (gated and not needed) or not.
@compute @workgroup_size(256)
fn pick(@builtin(local_invocation_index) lid: u32) {
  let needed = params.gated == 0u || work[FALLBACK] != 0u;
  var sum = 0u;
  if (needed) {
    for (var b = lid * 256u; b < lid * 256u + 256u; b++) {
      sum += hist[b];
    }
  }
  partial[lid] = sum;
  workgroupBarrier();
  if (lid == 0u && needed) {
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
  if (needed) {
    for (var b = lid * 256u; b < lid * 256u + 256u; b++) {
      hist[b] = 0u;
    }
  }
}

// One workgroup of 256, each invocation counting every 256th candidate. The four digit rounds run
// whatever the count (at most `capacity` keys read), so the barriers stay in uniform control flow;
// the result is recorded only when it is exact.
@compute @workgroup_size(256)
fn candidates(@builtin(local_invocation_index) lid: u32) {
  let found = hist[CANDIDATE_COUNT];
  let exact = found >= params.k && found <= params.capacity;
  let n = min(found, params.capacity);
  if (lid == 0u) {
    chosen = vec2<u32>(0u, params.k);
  }
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    atomicStore(&bins[lid], 0u);
    workgroupBarrier();
    let above = chosen.x;
    // The bits above this round's digit (none in the first round).
    let high = select(0xffffffffu << (shift + 8u), 0u, round == 0u);
    for (var i = lid; i < n; i += 256u) {
      let key = hist[CANDIDATES + i];
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
  if (lid == 0u) {
    if (exact) {
      work[THRESHOLD] = chosen.x;
      work[TAKE] = chosen.y;
    }
    work[FALLBACK] = select(1u, 0u, exact);
    hist[CANDIDATE_COUNT] = 0u;
  }
}
