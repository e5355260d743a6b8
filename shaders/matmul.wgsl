// Dense matmul: C = op(A) · op(B) (+ bias), float32, every matrix row-major.
//
// Inputs (sizes in the `params` uniform): op(A) is m x k (A is stored k x m when TRANSPOSE_A),
// op(B) is k x n (B is stored n x k when TRANSPOSE_B), bias has n entries (read when HAS_BIAS),
// C is m x n. A and B are read through vec4 views: the host pads every buffer to 16 bytes, so the
// word holding any element is in bounds.
//
// Tiling (TF.js MatMulPackedProgram's design): a workgroup of WG_X x WG_Y invocations computes a
// (4·WG_Y) x (4·WG_X) tile of C; one invocation computes a 4 x 4 block, held as four vec4
// accumulators along n. The k dimension is walked in steps of TK, staging an A tile and a B tile
// in workgroup memory. A_VEC4 / B_VEC4 say that the stored matrix's rows are a multiple of 4 long,
// so four consecutive elements of a row are one aligned vec4 load.

override WG_X: u32 = 8;
override WG_Y: u32 = 8;
override TK: u32 = 32;
override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override HAS_BIAS: bool = false;
override A_VEC4: bool = false;
override B_VEC4: bool = false;

const RM = 4u;
const RN = 4u;

struct Params {
  m: u32,
  k: u32,
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// tileA[row][kk] at row * TK + kk; tileB[kk][column group] at kk * WG_X + group.
var<workgroup> tileA: array<f32, 4u * WG_Y * TK>;
var<workgroup> tileB: array<vec4<f32>, TK * WG_X>;

fn word(fromA: bool, i: u32) -> vec4<f32> {
  if (fromA) {
    return a[i];
  }
  return b[i];
}

// Elements (row, col .. col + 3) of a stored rows x cols matrix; zero outside it.
fn load4(fromA: bool, row: u32, col: u32, rows: u32, cols: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (row >= rows) {
    return v;
  }
  let e = row * cols + col;
  let aligned = select(B_VEC4, A_VEC4, fromA);
  if (aligned && col + 3u < cols) {
    return word(fromA, e / 4u);
  }
  for (var q = 0u; q < 4u; q++) {
    if (col + q < cols) {
      v[q] = word(fromA, (e + q) / 4u)[(e + q) % 4u];
    }
  }
  return v;
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tileM = RM * WG_Y;
  let tileN = RN * WG_X;
  let m0 = wid.y * tileM;
  let n0 = wid.x * tileN;
  let thread = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  // A tile is tileM x TK and B tile is TK x tileN; each is loaded as vec4 slots along the stored
  // matrix's contiguous dimension.
  let slotsA = tileM * TK / 4u;
  let slotsB = TK * tileN / 4u;

  var acc: array<vec4<f32>, RM>;
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var s = thread; s < slotsA; s += threads) {
      if (TRANSPOSE_A) {
        // Stored k x m: a slot is 4 consecutive m of one k.
        let kk = s / (tileM / 4u);
        let mm = (s % (tileM / 4u)) * 4u;
        let v = load4(true, k0 + kk, m0 + mm, params.k, params.m);
        for (var q = 0u; q < 4u; q++) {
          tileA[(mm + q) * TK + kk] = v[q];
        }
      } else {
        let mm = s / (TK / 4u);
        let kk = (s % (TK / 4u)) * 4u;
        let v = load4(true, m0 + mm, k0 + kk, params.m, params.k);
        for (var q = 0u; q < 4u; q++) {
          tileA[mm * TK + kk + q] = v[q];
        }
      }
    }
    for (var s = thread; s < slotsB; s += threads) {
      if (TRANSPOSE_B) {
        // Stored n x k: a slot is 4 consecutive k of one n.
        let nn = s / (TK / 4u);
        let kk = (s % (TK / 4u)) * 4u;
        let v = load4(false, n0 + nn, k0 + kk, params.n, params.k);
        for (var q = 0u; q < 4u; q++) {
          tileB[(kk + q) * WG_X + nn / 4u][nn % 4u] = v[q];
        }
      } else {
        let kk = s / WG_X;
        let group = s % WG_X;
        tileB[kk * WG_X + group] = load4(false, k0 + kk, n0 + group * 4u, params.k, params.n);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let bv = tileB[kk * WG_X + lid.x];
      for (var r = 0u; r < RM; r++) {
        acc[r] = fma(vec4<f32>(tileA[(lid.y * RM + r) * TK + kk]), bv, acc[r]);
      }
    }
    workgroupBarrier();
  }

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
          value += bias[col];
        }
        c[row * params.n + col] = value;
      }
    }
  }
}
