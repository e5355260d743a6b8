// Fused softmax cross-entropy with label smoothing, float32, over a batch of logit rows.
//
// Inputs (sizes and targets in the `params` uniform): logits in the activation layout (classes
// rows of `stride` examples: example `row`'s logit for class c at c·stride + row; see
// feature_major.wgsl); labels, one u32 class per example. Outputs: loss[row], the example's
// cross-entropy against the smoothed target t (onTarget on the label, offTarget on every other
// class; the host derives both from the smoothing convention); dLogits = (softmax(z) - t)·gradScale,
// in the logits' layout, its padding columns (row >= batch) written 0; predictions[row], the
// example's argmax (the lowest class among equal maxima). A label >= classes makes the example's
// loss and gradient NaN, so a bad label on the GPU cannot pass unnoticed.
//
// One workgroup per example column, padding columns included (a folded 1-D list: row
// wid.x + wid.y·nwg.x), WORKGROUP_SIZE a power of two. Three passes over the row, each strided by WORKGROUP_SIZE and ended by a tree reduction in
// workgroup memory: (1) the maximum m and its class; (2) S = Σ e^(z - m) and Q = Σ t·(m - z);
// (3) the gradient. loss = log S + Q: both terms are >= 0, so the sum has no cancellation, and
// every exponential has a non-positive argument.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  batch: u32,
  // examples per row of the layout: batch rounded up to a multiple of 4
  stride: u32,
  classes: u32,
  onTarget: f32,
  offTarget: f32,
  gradScale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(5) var<storage, read_write> predictions: array<u32>;

var<workgroup> maxima: array<f32, WORKGROUP_SIZE>;
var<workgroup> argmaxima: array<u32, WORKGROUP_SIZE>;
var<workgroup> sums: array<vec2<f32>, WORKGROUP_SIZE>;

// (value, class) pairs ordered by value, then by lower class.
fn better(value: f32, index: u32, than: f32, thanIndex: u32) -> bool {
  return value > than || (value == than && index < thanIndex);
}

fn targetOf(c: u32, label: u32) -> f32 {
  return select(params.offTarget, params.onTarget, c == label);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  // Uniform across the workgroup, so returning here keeps the barriers below uniform.
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.stride) {
    return;
  }
  let classes = params.classes;
  let stride = params.stride;
  if (row >= params.batch) {
    for (var c = lid; c < classes; c += WORKGROUP_SIZE) {
      dLogits[c * stride + row] = 0.0;
    }
    return;
  }
  let label = labels[row];

  // (1) Maximum and its class. Each invocation walks its classes in increasing order, so keeping
  // the first strictly greater value keeps the lowest class on ties.
  var best = -0x1.fffffep+127f; // the lowest finite float32
  var bestClass = 0xffffffffu;
  for (var c = lid; c < classes; c += WORKGROUP_SIZE) {
    let z = logits[c * stride + row];
    if (better(z, c, best, bestClass)) {
      best = z;
      bestClass = c;
    }
  }
  maxima[lid] = best;
  argmaxima[lid] = bestClass;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride && better(maxima[lid + stride], argmaxima[lid + stride], maxima[lid], argmaxima[lid])) {
      maxima[lid] = maxima[lid + stride];
      argmaxima[lid] = argmaxima[lid + stride];
    }
    workgroupBarrier();
  }
  let m = maxima[0];

  // (2) S = Σ e^(z - m) and Q = Σ t·(m - z).
  var partial = vec2<f32>(0.0);
  for (var c = lid; c < classes; c += WORKGROUP_SIZE) {
    let shifted = logits[c * stride + row] - m;
    partial += vec2<f32>(exp(shifted), -targetOf(c, label) * shifted);
  }
  sums[lid] = partial;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      sums[lid] += sums[lid + stride];
    }
    workgroupBarrier();
  }
  let total = sums[0];
  let valid = label < classes;
  // Any bits OR 0x7fc00000 are a NaN; built from a runtime value, since a constant NaN is a WGSL error.
  let nan = bitcast<f32>(0x7fc00000u | label);

  if (lid == 0u) {
    loss[row] = select(nan, log(total.x) + total.y, valid);
    predictions[row] = argmaxima[0];
  }

  // (3) dLogits = (softmax - t)·gradScale.
  for (var c = lid; c < classes; c += WORKGROUP_SIZE) {
    let p = exp(logits[c * stride + row] - m) / total.x;
    dLogits[c * stride + row] = select(nan, (p - targetOf(c, label)) * params.gradScale, valid);
  }
}
