// CSR sparse x dense product: C = A·Sᵀ (+ bias), float32.
//
// Inputs (sizes in `params`): S is a sparse `rows` x k matrix in CSR form (rowPtr, colIdx); its
// entry e holds values[e], or values[perm[e]] when PERMUTED. The forward pass runs this on W
// (C = X·Wᵀ); the backward-data pass runs it on Wᵀ's pattern with W's own value array through
// perm (C = dY·W), so both read the one array an optimizer updates. A and C are in the activation
// layout (feature-major, see feature_major.wgsl): aT is k x 4·groups and cT is rows x 4·groups,
// read and written as vec4s of 4 consecutive batch elements; padding columns (batch elements >=
// batch) of aT are 0 and are written as 0 in cT, bias or not. The bias (rows entries) is read
// when HAS_BIAS. perm and the bias share one binding, `extra`, read as perm's u32s or as the bias's
// bit patterns (bitcast, exact): no pass uses both (the bias belongs to the forward pass, perm to
// backward-data), and one binding fewer keeps the kernel within WebGPU's default of 8 storage
// buffers per shader stage, which devices made by other frameworks (TF.js) keep.
//
// Every store goes through the fused-activation epilogue (activation_epilogue.wgsl, which the host
// puts in front of this file with the activation functions): the forward pass can write act(z)
// beside z, the backward-data pass (dY·W) ⊙ act'(z) of the layer below.
//
// One invocation computes BV vec4 groups (4·BV batch elements) of one row `row` of cT: it walks
// the row's entries once, each (column, value) loaded once for BV vec4 loads and BV vec4 FMAs. A
// workgroup is WG_B x WG_R (batch_tiles.wgsl, which the host puts in front of this file): the WG_B
// invocations along x share a row and take interleaved groups (neighbouring invocations read
// neighbouring memory), the WG_R along y take consecutive slots of rowOrder, where rows are sorted
// by decreasing length (Sputnik's row swizzle) so neighbouring invocations have similar trip counts
// and the long rows start first.
//
// The accumulators are named matrix columns and the steps are written out, guarded by BV (a
// constant the compiler folds): SwiftShader does not unroll loops, and an array indexed by a loop
// counter lives in memory, measured 2.6x slower. No workgroup memory either: staging aT tiles
// through it was measured slower on the software adapter, and on GPUs the interleaved reads coalesce.

override WG_B: u32 = 4;
override WG_R: u32 = 16;
// vec4 groups per invocation: 1, 2, 4 or 8
override BV: u32 = 8;
override PERMUTED: bool = false;
override HAS_BIAS: bool = false;

struct Params {
  batch: u32,
  rows: u32,
  groups: u32,
  // workgroup tiles along the batch, and in all
  tilesB: u32,
  tiles: u32,
  // the fused activation's parameters (EPILOGUE != 0)
  negativeSlope: f32,
  alpha: f32,
  beta: f32,
  blend: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
// perm when PERMUTED, the bias's bits when HAS_BIAS
@group(0) @binding(4) var<storage, read> extra: array<u32>;
@group(0) @binding(5) var<storage, read> rowOrder: array<u32>;
@group(0) @binding(6) var<storage, read> aT: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> cT: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> aux: array<vec4<f32>>;

@compute @workgroup_size(WG_B, WG_R)
fn main(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let at = place(lid, wid, nwg);
  if (at.slot >= params.rows) {
    return;
  }
  let row = rowOrder[at.slot];
  let firstGroup = at.firstGroup;
  // Group j of this invocation (j < BV) is firstGroup + j·WG_B.
  let gLo = slotGroups(firstGroup, vec4<u32>(0u, 1u, 2u, 3u));
  let gHi = slotGroups(firstGroup, vec4<u32>(4u, 5u, 6u, 7u));
  var start = vec4<f32>(0.0);
  if (HAS_BIAS) {
    start = vec4<f32>(bitcast<f32>(extra[row]));
  }
  var lo = mat4x4<f32>(start, start, start, start);
  var hi = lo;

  let end = rowPtr[row + 1u];
  for (var e = rowPtr[row]; e < end; e++) {
    let base = colIdx[e] * params.groups;
    var v: vec4<f32>;
    if (PERMUTED) {
      v = vec4<f32>(values[extra[e]]);
    } else {
      v = vec4<f32>(values[e]);
    }
    lo[0] = fma(v, aT[base + gLo.x], lo[0]);
    if (BV >= 2u) {
      lo[1] = fma(v, aT[base + gLo.y], lo[1]);
    }
    if (BV >= 4u) {
      lo[2] = fma(v, aT[base + gLo.z], lo[2]);
      lo[3] = fma(v, aT[base + gLo.w], lo[3]);
    }
    if (BV >= 8u) {
      hi[0] = fma(v, aT[base + gHi.x], hi[0]);
      hi[1] = fma(v, aT[base + gHi.y], hi[1]);
      hi[2] = fma(v, aT[base + gHi.z], hi[2]);
      hi[3] = fma(v, aT[base + gHi.w], hi[3]);
    }
  }

  let acc = array<vec4<f32>, 8>(lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]);
  for (var j = 0u; j < BV; j++) {
    let g = firstGroup + j * WG_B;
    if (g < params.groups) {
      let live = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
      storeEpilogue(row * params.groups + g, acc[j], live);
    }
  }
}
