// Batched Givens rotations: builds A = [I_m | 0] · G_1 · G_2 · ... for every layer of a network in
// one dispatch (EOI: exact orthogonal initialisation).
//
// Inputs: `layers` (one Layer record each, below); per layer, its rotations in scheduled order:
// `pairs` (i, j per rotation), `cosSin` (cos, sin per rotation), and `roundPtr` (rounds + 1 entries:
// round r is rotations [roundPtr[r], roundPtr[r + 1]) of the layer, pairwise disjoint in i and j).
// `tasks` maps each workgroup to (layer, first row). Output `a`: each layer's m x cols matrix,
// row-major, at its aOffset.
//
// Rows of A evolve independently (row r of A·G is (row r of A)·G), so a workgroup owns a block of
// rows of one layer and runs every round on it with only workgroup barriers between rounds. Within
// a round the rotations touch disjoint columns, so one invocation applies one rotation to one row:
//   col_i <- c * col_i + s * col_j,   col_j <- -s * col_i + c * col_j.
// With ROWS_IN_WORKGROUP the row block lives in workgroup memory (it must fit: rows * cols <=
// SHARED_FLOATS); otherwise the rows are rotated in place in `a`, made visible by storageBarrier.

override WORKGROUP_SIZE: u32 = 64;
override SHARED_FLOATS: u32 = 4096;
override ROWS_IN_WORKGROUP: bool = true;

struct Layer {
  m: u32,
  cols: u32,
  aOffset: u32,
  rotationOffset: u32,
  roundOffset: u32,
  rounds: u32,
  // A power of two, so an invocation finds its (rotation, row) with a shift and a mask: integer
  // division has no vector instruction on CPUs, where software adapters run.
  rowsPerGroup: u32,
  rowShift: u32,
}

struct Params {
  taskCount: u32,
  groupsX: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> layers: array<Layer>;
@group(0) @binding(2) var<storage, read> tasks: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read> roundPtr: array<u32>;
@group(0) @binding(4) var<storage, read> pairs: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read> cosSin: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> a: array<f32>;

var<workgroup> rowBlock: array<f32, SHARED_FLOATS>;
// (layer, first row, rounds, valid): read by one invocation, shared uniformly with the others.
var<workgroup> task: vec4<u32>;

// Element `index` of this workgroup's row block (row-major, `cols` per row).
fn readBlock(base: u32, index: u32) -> f32 {
  if (ROWS_IN_WORKGROUP) {
    return rowBlock[index];
  }
  return a[base + index];
}

fn writeBlock(base: u32, index: u32, value: f32) {
  if (ROWS_IN_WORKGROUP) {
    rowBlock[index] = value;
  } else {
    a[base + index] = value;
  }
}

fn roundBarrier() {
  if (ROWS_IN_WORKGROUP) {
    workgroupBarrier();
  } else {
    storageBarrier();
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // Dispatches wider than 65535 workgroups are folded into y.
  let taskIndex = wid.y * params.groupsX + wid.x;
  if (lid == 0u) {
    if (taskIndex < params.taskCount) {
      let mine = tasks[taskIndex];
      task = vec4<u32>(mine, layers[mine.x].rounds, 1u);
    } else {
      task = vec4<u32>(0u);
    }
  }
  // Values read through workgroupUniformLoad are uniform, so the round loop may hold barriers.
  let t = workgroupUniformLoad(&task);
  if (t.w == 0u) {
    return;
  }
  let layer = layers[t.x];
  let firstRow = t.y;
  let rounds = t.z;
  let rows = min(layer.rowsPerGroup, layer.m - firstRow);
  let cols = layer.cols;
  let base = layer.aOffset + firstRow * cols;

  // A starts as [I_m | 0].
  for (var e = lid; e < rows * cols; e += WORKGROUP_SIZE) {
    writeBlock(base, e, select(0.0, 1.0, firstRow + e / cols == e % cols));
  }
  roundBarrier();

  for (var r = 0u; r < rounds; r++) {
    let begin = roundPtr[layer.roundOffset + r];
    let end = roundPtr[layer.roundOffset + r + 1u];
    for (var w = lid; w < (end - begin) << layer.rowShift; w += WORKGROUP_SIZE) {
      let row = w & (layer.rowsPerGroup - 1u);
      if (row >= rows) {
        continue; // the layer's last group may hold fewer rows
      }
      let rotation = layer.rotationOffset + begin + (w >> layer.rowShift);
      let ij = pairs[rotation];
      let cs = cosSin[rotation];
      let xi = readBlock(base, row * cols + ij.x);
      let xj = readBlock(base, row * cols + ij.y);
      writeBlock(base, row * cols + ij.x, cs.x * xi + cs.y * xj);
      writeBlock(base, row * cols + ij.y, cs.x * xj - cs.y * xi);
    }
    roundBarrier();
  }

  if (ROWS_IN_WORKGROUP) {
    for (var e = lid; e < rows * cols; e += WORKGROUP_SIZE) {
      a[base + e] = rowBlock[e];
    }
  }
}
