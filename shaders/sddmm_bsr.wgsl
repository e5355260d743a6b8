// BSR sampled dense-dense product (the weight gradient): dw, laid out like W.values (block after
// block, each BS x BS row-major), = (dYᵀ·X)[r][c] at every in-range element of every stored block,
// and exactly 0 in the padding past the matrix and, when HAS_MASK, wherever the element mask is 0
// (so training keeps masked-out elements of stored blocks at 0; see BsrMatrix), float32.
//
// Inputs (sizes in `params`): blockRow[t] and colIdx[t], the block row and column of block t;
// maskBits, the element mask packed 32 elements per word in W.values order (read when HAS_MASK);
// dY and X feature-major (see feature_major.wgsl): dyT is outFeatures x 4·groups, xT is
// inFeatures x 4·groups, padding columns 0.
//
// One invocation computes one 4x4 sub-block of one block: per vec4 group of the batch it loads 4
// rows of dyT and 4 of xT and adds all 16 dot products as one 4x4 matrix product (16 vec4 FMAs per
// 8 loads). Rows past the matrix re-read the last one; their results are masked to 0. Workgroups
// form a folded 1D list (linear index wid.x + wid.y·nwg.x).

override WG: u32 = 64;
// block size: 4, 8, 16 or 32
override BS: u32 = 16;
override HAS_MASK: bool = false;

struct Params {
  // sub-blocks in all: blocks·(BS/4)²
  units: u32,
  groups: u32,
  outFeatures: u32,
  inFeatures: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> blockRow: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> maskBits: array<u32>;
@group(0) @binding(4) var<storage, read> dyT: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> xT: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dw: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let u = (wid.x + wid.y * nwg.x) * WG + lid;
  if (u >= params.units) {
    return;
  }
  let quads = BS / 4u;
  let blk = u / (quads * quads);
  let qi = (u / quads) % quads;
  let qj = u % quads;
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
  let outRows = blockRow[blk] * BS + 4u * qi + lanes;
  let inRows = colIdx[blk] * BS + 4u * qj + lanes;
  let dyAt = min(outRows, vec4<u32>(params.outFeatures - 1u)) * params.groups;
  let xAt = min(inRows, vec4<u32>(params.inFeatures - 1u)) * params.groups;

  // sums[j][i] = sum over the batch of dY[., outRows[i]]·X[., inRows[j]]
  var sums = mat4x4<f32>();
  for (var g = 0u; g < params.groups; g++) {
    let d = mat4x4<f32>(dyT[dyAt.x + g], dyT[dyAt.y + g], dyT[dyAt.z + g], dyT[dyAt.w + g]);
    let x = mat4x4<f32>(xT[xAt.x + g], xT[xAt.y + g], xT[xAt.z + g], xT[xAt.w + g]);
    sums += transpose(d) * x;
  }

  let rows = transpose(sums);
  let colsIn = inRows < vec4<u32>(params.inFeatures);
  for (var i = 0u; i < 4u; i++) {
    // Element offset of row i of the sub-block: a multiple of 4, so its 4 mask bits share a word.
    let offset = blk * BS * BS + (4u * qi + i) * BS + 4u * qj;
    var keep = colsIn & vec4<bool>(outRows[i] < params.outFeatures);
    if (HAS_MASK) {
      let bits = maskBits[offset / 32u] >> (offset % 32u);
      keep &= ((vec4<u32>(bits) >> lanes) & vec4<u32>(1u)) == vec4<u32>(1u);
    }
    dw[offset / 4u] = select(vec4<f32>(0.0), rows[i], keep);
  }
}
