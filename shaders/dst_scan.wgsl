// Exclusive prefix sum of u32 counts in place: data[offset + i] becomes the sum of the n counts
// before it, and data[offset + n] their total (the buffer holds n + 1 words there). Used by the
// mask update (src/kernels/dst.ts) to turn per-unit or per-row counts into output offsets.
//
// One workgroup of 256 invocations; invocation i owns the contiguous block of ceil(n / 256)
// counts starting at i·ceil(n / 256): it sums its block, the 256 sums are scanned in workgroup
// memory, and each invocation then rewrites its block. Integer sums: the result is exact and
// independent of scheduling.

struct Params {
  offset: u32,
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<u32>;

var<workgroup> sums: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  let per = (params.n + 255u) / 256u;
  let begin = min(params.n, lid * per);
  let end = min(params.n, begin + per);
  var sum = 0u;
  for (var i = begin; i < end; i++) {
    sum += data[params.offset + i];
  }
  sums[lid] = sum;
  workgroupBarrier();
  if (lid == 0u) {
    var running = 0u;
    for (var j = 0u; j < 256u; j++) {
      let s = sums[j];
      sums[j] = running;
      running += s;
    }
    data[params.offset + params.n] = running;
  }
  workgroupBarrier();
  var running = sums[lid];
  for (var i = begin; i < end; i++) {
    let count = data[params.offset + i];
    data[params.offset + i] = running;
    running += count;
  }
}
