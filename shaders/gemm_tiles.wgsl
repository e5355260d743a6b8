// The tiled inner product of the dense GEMMs (matmul, conv_dense), put by the host in front of the
// kernel: the workgroup's tiles of A and B, staged k-major in workgroup memory, and the steps one
// invocation runs over them. It declares the workgroup shape WG_X x WG_Y and the depth per step TK
// (a multiple of 4); the kernel declares nothing for it.
//
// A workgroup computes a (4·WG_Y) x (4·WG_X) tile of C, each invocation a 4 x 4 block held in four
// vec4 accumulators (its 4 rows' 4 columns). Both tiles hold vec4s, so one step of the inner
// product reads one vec4 of A (the invocation's 4 rows) and one of B (its 4 columns) and does an
// outer-product update: tileA[kk][row group] at kk·WG_Y + group, tileB[kk][column group] at
// kk·WG_X + group.

override WG_X: u32 = 8;
override WG_Y: u32 = 8;
override TK: u32 = 32;

var<workgroup> tileA: array<vec4<f32>, TK * WG_Y>;
var<workgroup> tileB: array<vec4<f32>, TK * WG_X>;

// Stages 4 consecutive depth entries kk .. kk + 3 (v) of row (toA) or column `index` of a tile.
fn scatterK(toA: bool, kk: u32, index: u32, v: vec4<f32>) {
  let width = select(WG_X, WG_Y, toA);
  let slot = kk * width + index / 4u;
  let lane = index % 4u;
  if (toA) {
    tileA[slot][lane] = v.x;
    tileA[slot + width][lane] = v.y;
    tileA[slot + 2u * width][lane] = v.z;
    tileA[slot + 3u * width][lane] = v.w;
  } else {
    tileB[slot][lane] = v.x;
    tileB[slot + width][lane] = v.y;
    tileB[slot + 2u * width][lane] = v.z;
    tileB[slot + 3u * width][lane] = v.w;
  }
}

// Once the workgroup has staged both tiles: adds the TK steps to the invocation's accumulators
// (acc0 .. acc3: rows 0 .. 3 of its block). Called from uniform control flow; the barriers keep
// the tiles whole while any invocation reads them.
fn multiplyTiles(lid: vec3<u32>, acc0: ptr<function, vec4<f32>>, acc1: ptr<function, vec4<f32>>, acc2: ptr<function, vec4<f32>>, acc3: ptr<function, vec4<f32>>) {
  workgroupBarrier();
  for (var kk = 0u; kk < TK; kk++) {
    let av = tileA[kk * WG_Y + lid.y];
    let bv = tileB[kk * WG_X + lid.x];
    *acc0 = fma(vec4<f32>(av.x), bv, *acc0);
    *acc1 = fma(vec4<f32>(av.y), bv, *acc1);
    *acc2 = fma(vec4<f32>(av.z), bv, *acc2);
    *acc3 = fma(vec4<f32>(av.w), bv, *acc3);
  }
  workgroupBarrier();
}
