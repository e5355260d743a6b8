// Per-channel sums of an activation, float32: db[c] = Σ over the plane's features c·plane ..
// (c+1)·plane - 1 and every example of dy. With plane = ho·wo this is the conv bias gradient, with
// plane = 1 a linear layer's.
//
// Input (sizes in `params`): dy, channels·plane features in the activation layout, `groups` vec4s
// of 4 examples per feature row, padding columns 0 (they add nothing). Channel c's features are
// consecutive rows, so its sum is over one contiguous run of plane·groups vec4s.
//
// LANES invocations (chosen on the host from the run length) share a channel and take interleaved
// vec4s of its run, so neighbouring invocations read neighbouring memory; a workgroup covers
// WG / LANES consecutive channels. Short runs (plane 1, many channels) get one lane each and no
// workgroup memory or barrier at all: on SwiftShader that path, specialised by the constant, was
// measured 5x faster at plane 1 than going through workgroup memory with the lane count a uniform.
// Long runs (a 28x28 plane) get a whole workgroup; after one barrier the first lane adds its
// channel's LANES partial sums (one barrier was measured no slower than a tree's log2(LANES)),
// then the 4 components, and stores.
// Workgroups form a folded 1D list (wid.x + wid.y·nwg.x).

override WG: u32 = 64;
// lanes per channel: a power of two dividing WG
override LANES: u32 = 1;

struct Params {
  channels: u32,
  // vec4s per channel: plane·groups
  run: u32,
  // workgroups that hold a channel
  workgroups: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

var<workgroup> part: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let tile = wid.x + wid.y * nwg.x;
  // The whole workgroup shares tile, so this return keeps the barrier below in uniform control flow.
  if (tile >= params.workgroups) {
    return;
  }
  let c = tile * (WG / LANES) + lid / LANES;
  let lane = lid % LANES;
  var sum = vec4<f32>(0.0);
  // Slots past the last channel take part in the barrier with a zero sum.
  if (c < params.channels) {
    let base = c * params.run;
    for (var v = lane; v < params.run; v += LANES) {
      sum += dy[base + v];
    }
  }
  if (LANES > 1u) {
    part[lid] = sum;
    workgroupBarrier();
    if (lane == 0u) {
      for (var j = 1u; j < LANES; j++) {
        sum += part[lid + j];
      }
    }
  }
  if (lane == 0u && c < params.channels) {
    db[c] = (sum.x + sum.y) + (sum.z + sum.w);
  }
}
