// Per-channel sums of an activation, float32: db[c] = Σ over the plane's features c·plane ..
// (c+1)·plane - 1 and every example of dy. With plane = ho·wo this is the conv bias gradient, with
// plane = 1 a linear layer's.
//
// Input (sizes in `params`): dy, channels·plane features in the activation layout, `groups` vec4s
// of 4 examples per feature row, padding columns 0 (they add nothing). Channel c's features are
// consecutive rows, so its sum is over one contiguous run of plane·groups vec4s.
//
// `lanes` invocations (a power of two dividing WG, chosen on the host from the run length) share a
// channel and take interleaved vec4s of its run, so neighbouring invocations read neighbouring
// memory; a workgroup covers WG / lanes consecutive channels. Short runs (plane 1, many channels)
// get one lane each, long ones (a 28x28 plane) a whole workgroup. The lanes' vec4 partial sums are
// added by a tree reduction in workgroup memory within each channel's slots, then the first lane
// adds the 4 components and stores. Workgroups form a folded 1D list (wid.x + wid.y·nwg.x).

// a power of two (the tree reduction halves the lanes)
override WG: u32 = 64;

struct Params {
  channels: u32,
  // vec4s per channel: plane·groups
  run: u32,
  lanes: u32,
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
  // The whole workgroup shares tile, so this return keeps the barriers below in uniform control flow.
  if (tile >= params.workgroups) {
    return;
  }
  let c = tile * (WG / params.lanes) + lid / params.lanes;
  let lane = lid % params.lanes;
  var sum = vec4<f32>(0.0);
  // Slots past the last channel take part in the barriers with a zero sum.
  if (c < params.channels) {
    let base = c * params.run;
    for (var v = lane; v < params.run; v += params.lanes) {
      sum += dy[base + v];
    }
  }
  part[lid] = sum;
  for (var s = params.lanes / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lane < s) {
      part[lid] += part[lid + s];
    }
  }
  if (lane == 0u && c < params.channels) {
    let total = part[lid];
    db[c] = (total.x + total.y) + (total.z + total.w);
  }
}
