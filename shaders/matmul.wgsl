// Dense matmul: C = op(A) · op(B) (+ bias), float32, every matrix row-major.
//
// Inputs (sizes in the `params` uniform): op(A) is m x k (A is stored k x m when TRANSPOSE_A),
// op(B) is k x n (B is stored n x k when TRANSPOSE_B), C is m x n. When HAS_BIAS, bias[col] is
// added to every row, or bias[row] to every column when BIAS_PER_ROW. Columns at or past liveN are
// written 0: a product into the activation layout (examples along n) keeps its padding 0 even
// with a bias. A and B are read through vec4 views: the host pads every buffer to 16 bytes, so the
// word holding any element is in bounds.
//
// Tiling (TF.js MatMulPackedProgram's design, gemm_tiles.wgsl, which the host puts in front of
// this file): a workgroup of WG_X x WG_Y invocations computes a (4·WG_Y) x (4·WG_X) tile of C; one
// invocation computes a 4 x 4 block, held as four vec4 accumulators along n. The k dimension is
// walked in steps of TK, staging an A tile and a B tile in workgroup memory. A_VEC4 / B_VEC4 say
// that the stored matrix's rows are a multiple of 4 long, so four consecutive elements of a row
// are one aligned vec4 load.

override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override HAS_BIAS: bool = false;
override BIAS_PER_ROW: bool = false;
override A_VEC4: bool = false;
override B_VEC4: bool = false;

const RM = 4u;
const RN = 4u;

struct Params {
  m: u32,
  k: u32,
  n: u32,
  liveN: u32,
  // Output tiles along n, and in all: the tile list is folded into a 2-D grid (src/kernels/grid.ts).
  tilesN: u32,
  tiles: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn word(fromA: bool, i: u32) -> vec4<f32> {
  if (fromA) {
    return a[i];
  }
  return b[i];
}

// Elements (row, col .. col + 3) of a stored rows x cols matrix; zero outside it.
fn load4(fromA: bool, row: u32, col: u32, rows: u32, cols: u32) -> vec4<f32> {
  if (row >= rows) {
    return vec4<f32>(0.0);
  }
  let e = row * cols + col;
  let aligned = select(B_VEC4, A_VEC4, fromA);
  if (aligned && col + 3u < cols) {
    return word(fromA, e / 4u);
  }
  var v = vec4<f32>(0.0);
  for (var q = 0u; q < 4u; q++) {
    if (col + q < cols) {
      v[q] = word(fromA, (e + q) / 4u)[(e + q) % 4u];
    }
  }
  return v;
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= params.tiles) {
    return;
  }
  let tileM = RM * WG_Y;
  let tileN = RN * WG_X;
  let m0 = (tile / params.tilesN) * tileM;
  let n0 = (tile % params.tilesN) * tileN;
  let thread = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  // Each tile is loaded in vec4 slots along the stored matrix's contiguous dimension.
  let slotsA = tileM * TK / 4u;
  let slotsB = TK * tileN / 4u;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var s = thread; s < slotsA; s += threads) {
      if (TRANSPOSE_A) {
        // Stored k x m: a slot is 4 consecutive m of one k, already the tile's layout.
        let kk = s / WG_Y;
        let group = s % WG_Y;
        tileA[s] = load4(true, k0 + kk, m0 + group * 4u, params.k, params.m);
      } else {
        // Stored m x k: a slot is 4 consecutive k of one m.
        let mm = s / (TK / 4u);
        let kk = (s % (TK / 4u)) * 4u;
        scatterK(true, kk, mm, load4(true, m0 + mm, k0 + kk, params.m, params.k));
      }
    }
    for (var s = thread; s < slotsB; s += threads) {
      if (TRANSPOSE_B) {
        // Stored n x k: a slot is 4 consecutive k of one n.
        let nn = s / (TK / 4u);
        let kk = (s % (TK / 4u)) * 4u;
        scatterK(false, kk, nn, load4(false, n0 + nn, k0 + kk, params.n, params.k));
      } else {
        let kk = s / WG_X;
        let group = s % WG_X;
        tileB[s] = load4(false, k0 + kk, n0 + group * 4u, params.k, params.n);
      }
    }
    multiplyTiles(lid, &acc0, &acc1, &acc2, &acc3);
  }

  let acc = array<vec4<f32>, RM>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < RM; r++) {
    let row = m0 + lid.y * RM + r;
    if (row >= params.m) {
      break;
    }
    for (var q = 0u; q < RN; q++) {
      let col = n0 + lid.x * RN + q;
      if (col < params.n) {
        var value = acc[r][q];
        if (HAS_BIAS) {
          value += bias[select(col, row, BIAS_PER_ROW)];
        }
        c[row * params.n + col] = select(0.0, value, col < params.liveN);
      }
    }
  }
}
