// BSR sparse x dense product: C = A·Sᵀ (+ bias), float32, S stored as BS x BS blocks.
//
// Inputs (sizes in `params`): S's block pattern (rowPtr over block rows, colIdx = block columns);
// block t's values are values[blk·BS² ..] row-major (read as vec4s), blk = t, or blockPerm[t] when
// TRANSPOSE_W. The forward pass runs this on W (C = X·Wᵀ). The backward-data pass (C = dY·W) walks
// Wᵀ's block pattern with TRANSPOSE_W: it reads W's own blocks through blockPerm and uses each
// one transposed. A and C are in the activation layout (feature-major, see feature_major.wgsl):
// aT is inFeatures x 4·groups, cT is outFeatures x 4·groups, both as vec4s of 4 batch elements;
// padding columns (batch elements >= batch) of aT are 0 and are written as 0 in cT, bias or not.
// Shapes need not divide BS: rows of aT past inFeatures re-read the last one against the zero
// padding of the blocks, and outputs past outFeatures are not stored.
//
// One invocation computes 4 consecutive output features (one quad of a block row) for BV vec4
// groups of the batch. Per 4x4 sub-block of W it loads the sub-block (4 vec4s) once and, per
// group, the 4 matching vec4s of aT, and accumulates with one 4x4 matrix product: 16 vec4 FMAs per
// 4 + 4 loads. The matrix types keep the steps unrolled (SwiftShader does not unroll loops, and
// loop-indexed arrays live in memory). A workgroup is WG_B x WG_R: the WG_B invocations along x
// share a quad and take interleaved groups (neighbouring memory), the WG_R along y take
// consecutive (block row, quad) units, block rows in rowOrder (by decreasing block count, Sputnik's
// swizzle). Workgroups form a folded 1D list of tiles (wid.x + wid.y·nwg.x), batch tile fastest.

override WG_B: u32 = 4;
override WG_R: u32 = 16;
// vec4 groups per invocation: 1 or 2
override BV: u32 = 2;
// block size: 4, 8, 16 or 32
override BS: u32 = 16;
override TRANSPOSE_W: bool = false;
override HAS_BIAS: bool = false;

struct Params {
  batch: u32,
  groups: u32,
  outFeatures: u32,
  inFeatures: u32,
  // block rows of the walked pattern
  blockRows: u32,
  // workgroup tiles along the batch, and in all
  tilesB: u32,
  tiles: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> blockPerm: array<u32>;
@group(0) @binding(4) var<storage, read> rowOrder: array<u32>;
@group(0) @binding(5) var<storage, read> values: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> aT: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> cT: array<vec4<f32>>;

// Columns q of the result are aT's vec4s at `rows` (feature offsets) + group g.
fn gather(rows: vec4<u32>, g: u32) -> mat4x4<f32> {
  return mat4x4<f32>(aT[rows.x + g], aT[rows.y + g], aT[rows.z + g], aT[rows.w + g]);
}

@compute @workgroup_size(WG_B, WG_R)
fn main(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= params.tiles) {
    return;
  }
  let quads = BS / 4u;
  let unit = (tile / params.tilesB) * WG_R + lid.y;
  let slot = unit / quads;
  if (slot >= params.blockRows) {
    return;
  }
  let quad = unit % quads;
  let blockRow = rowOrder[slot];
  let firstGroup = (tile % params.tilesB) * WG_B * BV + lid.x;
  // Groups past the batch re-read the last group and are not stored.
  let g0 = min(firstGroup, params.groups - 1u);
  let g1 = min(firstGroup + WG_B, params.groups - 1u);
  let firstOut = blockRow * BS + 4u * quad;

  // Column i of acc0 / acc1 holds output feature firstOut + i for group g0 / g1.
  var acc0 = mat4x4<f32>();
  if (HAS_BIAS) {
    let outs = min(firstOut + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.outFeatures - 1u));
    acc0 = mat4x4<f32>(vec4<f32>(bias[outs.x]), vec4<f32>(bias[outs.y]), vec4<f32>(bias[outs.z]), vec4<f32>(bias[outs.w]));
  }
  var acc1 = acc0;

  let lastIn = vec4<u32>(params.inFeatures - 1u);
  let end = rowPtr[blockRow + 1u];
  for (var t = rowPtr[blockRow]; t < end; t++) {
    var blk = t;
    if (TRANSPOSE_W) {
      blk = blockPerm[t];
    }
    let firstIn = colIdx[t] * BS;
    for (var jq = 0u; jq < quads; jq++) {
      // The 4x4 sub-block meeting output quad `quad` and input quad `jq`; its rows are vec4s
      // BS/4 apart. Forward it is W's rows 4·quad.. at columns 4·jq..; transposed, W's rows
      // 4·jq.. at columns 4·quad.., and its transpose is the coefficient matrix.
      var subAt = blk * BS * BS / 4u + quad * BS + jq;
      if (TRANSPOSE_W) {
        subAt = blk * BS * BS / 4u + jq * BS + quad;
      }
      let stride = BS / 4u;
      let sub = mat4x4<f32>(values[subAt], values[subAt + stride], values[subAt + 2u * stride], values[subAt + 3u * stride]);
      // coef[i][q]: weight of input q of the quad in output i.
      var coef = sub;
      if (TRANSPOSE_W) {
        coef = transpose(sub);
      }
      let rows = min(firstIn + 4u * jq + vec4<u32>(0u, 1u, 2u, 3u), lastIn) * params.groups;
      acc0 += gather(rows, g0) * coef;
      if (BV >= 2u) {
        acc1 += gather(rows, g1) * coef;
      }
    }
  }

  let acc = array<mat4x4<f32>, 2>(acc0, acc1);
  for (var i = 0u; i < 4u; i++) {
    let o = firstOut + i;
    if (o >= params.outFeatures) {
      break;
    }
    for (var j = 0u; j < BV; j++) {
      let g = firstGroup + j * WG_B;
      if (g < params.groups) {
        let live = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
        cT[o * params.groups + g] = select(vec4<f32>(0.0), acc[j][i], live);
      }
    }
  }
}
