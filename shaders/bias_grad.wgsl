// Bias gradient: db[o] = sum over the batch of dy[b][o] (column sums), float32.
//
// Inputs (sizes in `params`): dy is batch x features, row-major (batch-major, as the loss hands it
// over). One invocation sums one column; neighbouring invocations take neighbouring columns, so each
// step of the batch loop reads one contiguous stretch of a row of dy. Workgroups form a folded 1D
// list (linear index wid.x + wid.y·nwg.x).

override WG: u32 = 64;

struct Params {
  batch: u32,
  features: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let o = (wid.x + wid.y * nwg.x) * WG + lid;
  if (o >= params.features) {
    return;
  }
  var sum = 0.0;
  for (var b = 0u; b < params.batch; b++) {
    sum += dy[b * params.features + o];
  }
  db[o] = sum;
}
