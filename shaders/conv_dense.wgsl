// Dense 2-D convolution as implicit GEMM, float32: the baseline the sparse conv kernels are measured
// against. Forward, backward-data and weight-gradient passes share one tiled product.
//
// Inputs (sizes in `params`; geometry as src/sparse/conv-geometry.ts defines it): `weights` is the
// dense OIHW filter, cOut x taps row-major (taps = cIn·kh·kw, column (ci·kh + ky)·kw + kx).
// Activations and their gradients (x: cIn·h·w features, dy: cOut·ho·wo features) are in the
// activation layout: feature f of example b at f·S + b, S = 4·groups, padding examples 0, read as
// vec4s of 4 examples; image feature (c·H + y)·W + x. bias has cOut entries (read when HAS_BIAS).
//
// Every pass is C (rows x cols) = A (rows x depth) · B (depth x cols), with B gathered from the
// activation while it is staged in workgroup memory (no im2col in global memory):
//   FORWARD        C = y: rows co, depth taps, column (output pixel, example); + bias[co].
//   BACKWARD_DATA  C = dx: rows ci, depth (co, ky, kx), column (input pixel, example); A[ci][(co, ky,
//                  kx)] is weights[co][(ci·kh + ky)·kw + kx] and B the sum of dy[co] over the
//                  output pixels whose tap (ky, kx) reads this input pixel (stride and circular
//                  wrap included). With stride s only taps ky ≡ iy + padding (mod s) can reach row
//                  iy, so the host dispatches one phase at a time: input rows rowStart + stepY·j
//                  with taps tapRow + stepY·j' (tapRows of them), likewise columns; the gather
//                  still checks every tap, the phases only leave out the ones that cannot reach.
//   WEIGHT_GRAD    C = dw: rows co, columns taps, depth (output pixel, example): dy · im2col(x)ᵀ.
//                  The depth is cut into ranges of splitLen; range s writes entry e of its partial
//                  product to c[e·splitStride + s], and the host sums the ranges (no float atomics).
// In the first two passes the columns of C are (pixel, vec4 group of examples), `cols` counts vec4
// groups, and each is stored as one vec4 of the activation layout; padding examples are written 0.
//
// Tiling (matmul.wgsl's, gemm_tiles.wgsl, which the host puts in front of this file): a workgroup
// of WG_X x WG_Y invocations computes a (4·WG_Y) x (4·WG_X) tile of C, each invocation a 4 x 4
// block held in four vec4 accumulators; the depth is walked TK at a time, an A tile and a B tile
// staged k-major in workgroup memory, and each step of the inner product is one vec4 of A, one of
// B and an outer-product update. WEIGHT_GRAD stages 4 consecutive depth entries (one example
// group) of a row or column at a time (scatterK). Workgroups form a folded 1-D list (linear index
// wid.x + wid.y·nwg.x): column tile fastest, then row tile, then the weight gradient's depth range.

override PASS: u32 = 0;
override HAS_BIAS: bool = false;

const FORWARD = 0u;
const BACKWARD_DATA = 1u;
const WEIGHT_GRAD = 2u;

struct Params {
  cIn: u32,
  h: u32,
  w: u32,
  kh: u32,
  kw: u32,
  stride: u32,
  padding: u32,
  circular: u32,
  ho: u32,
  wo: u32,
  cOut: u32,
  batch: u32,
  groups: u32,
  // C is rows x cols (vec4 groups in FORWARD and BACKWARD_DATA), summed over depth
  rows: u32,
  cols: u32,
  depth: u32,
  // depth per workgroup (a multiple of TK; all of it except in WEIGHT_GRAD)
  splitLen: u32,
  splitStride: u32,
  // BACKWARD_DATA's phase: input rows rowStart + stepY·j (j < phaseH), taps tapRow + stepY·j'
  // (j' < tapRows); likewise columns
  rowStart: u32,
  colStart: u32,
  phaseH: u32,
  phaseW: u32,
  tapRow: u32,
  tapCol: u32,
  tapRows: u32,
  tapCols: u32,
  stepY: u32,
  stepX: u32,
  // workgroup tiles: along the columns, per depth range, and in all
  tilesN: u32,
  tilesMN: u32,
  tiles: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;

// The input row (column) that tap k of output row o reads in an image of n rows, or -1 where zero
// padding reads 0 (convSource in conv-geometry.ts).
fn sourceAt(o: u32, k: u32, n: u32) -> i32 {
  let u = i32(o * params.stride + k) - i32(params.padding);
  if (u >= 0 && u < i32(n)) {
    return u;
  }
  if (params.circular == 0u) {
    return -1;
  }
  return select(u - i32(n), u + i32(n), u < 0);
}

// The output row (column) whose tap k reads padded position u = o·stride + k - padding, or -1.
fn outputAt(u: i32, k: u32, nOut: u32) -> i32 {
  let t = u + i32(params.padding) - i32(k);
  let s = i32(params.stride);
  if (t < 0 || t % s != 0 || t / s >= i32(nOut)) {
    return -1;
  }
  return t / s;
}

// im2col(x)[tap k][(output pixel (oy, ox), example group g)].
fn im2col(k: u32, oy: u32, ox: u32, g: u32) -> vec4<f32> {
  let khw = params.kh * params.kw;
  let ci = k / khw;
  let t = k - ci * khw;
  let ky = t / params.kw;
  let kx = t - ky * params.kw;
  let iy = sourceAt(oy, ky, params.h);
  let ix = sourceAt(ox, kx, params.w);
  if (iy < 0 || ix < 0) {
    return vec4<f32>(0.0);
  }
  return x[((ci * params.h + u32(iy)) * params.w + u32(ix)) * params.groups + g];
}

// BACKWARD_DATA's depth index k within the phase: output channel and tap (co, ky, kx).
fn phaseTap(k: u32) -> vec3<u32> {
  let taps = params.tapRows * params.tapCols;
  let co = k / taps;
  let t = k - co * taps;
  let jy = t / params.tapCols;
  let jx = t - jy * params.tapCols;
  return vec3<u32>(co, params.tapRow + params.stepY * jy, params.tapCol + params.stepX * jx);
}

// BACKWARD_DATA's B[(co, ky, kx)][(input pixel (iy, ix), g)]: dy[co] summed over the output pixels
// whose tap (ky, kx) reads (iy, ix). Without wrap that is at most one pixel; circular padding also
// reaches (iy, ix) from the padded positions iy ± h and ix ± w (one wrap: padding <= min(h, w)).
fn dyGather(k: u32, iy: u32, ix: u32, g: u32) -> vec4<f32> {
  let tap = phaseTap(k);
  let co = tap.x;
  let ky = tap.y;
  let kx = tap.z;
  let wraps = i32(params.circular);
  var sum = vec4<f32>(0.0);
  for (var a = -wraps; a <= wraps; a++) {
    let oy = outputAt(i32(iy) + a * i32(params.h), ky, params.ho);
    if (oy < 0) {
      continue;
    }
    for (var b = -wraps; b <= wraps; b++) {
      let ox = outputAt(i32(ix) + b * i32(params.w), kx, params.wo);
      if (ox >= 0) {
        sum += dy[((co * params.ho + u32(oy)) * params.wo + u32(ox)) * params.groups + g];
      }
    }
  }
  return sum;
}

// A[m .. m + 3][k] of FORWARD (the filter) and BACKWARD_DATA (its transpose per tap); 0 outside A.
fn weightColumn(m: u32, k: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (k >= params.depth) {
    return v;
  }
  var at = m * params.depth + k;
  var step = params.depth;
  if (PASS == BACKWARD_DATA) {
    let tap = phaseTap(k);
    step = params.kh * params.kw;
    at = ((tap.x * params.cIn + m) * params.kh + tap.y) * params.kw + tap.z;
  }
  // Written out: a loop over a local vector's components would keep it in memory on SwiftShader.
  if (m < params.rows) {
    v.x = weights[at];
  }
  if (m + 1u < params.rows) {
    v.y = weights[at + step];
  }
  if (m + 2u < params.rows) {
    v.z = weights[at + 2u * step];
  }
  if (m + 3u < params.rows) {
    v.w = weights[at + 3u * step];
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
  let split = tile / params.tilesMN;
  let m0 = ((tile % params.tilesMN) / params.tilesN) * 4u * WG_Y;
  let n0 = (tile % params.tilesN) * WG_X;
  let thread = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  let kBegin = split * params.splitLen;
  let kEnd = min(kBegin + params.splitLen, params.depth);

  // FORWARD and BACKWARD_DATA: B slot s holds column group n0 + s % WG_X, and threads is a multiple
  // of WG_X, so each invocation always loads (and later stores) the same column group: its pixel,
  // an output pixel or an input pixel of the phase, is decoded once.
  let column = n0 + thread % WG_X;
  let pixel = column / params.groups;
  let g = column % params.groups;
  var py = pixel / params.wo;
  var px = pixel % params.wo;
  if (PASS == BACKWARD_DATA) {
    py = params.rowStart + params.stepY * (pixel / params.phaseW);
    px = params.colStart + params.stepX * (pixel % params.phaseW);
  }

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = kBegin; k0 < kEnd; k0 += TK) {
    if (PASS == WEIGHT_GRAD) {
      // Depth entry r is example r % S of output pixel r / S; a slot is one example group (4
      // entries) of one row of dy (A) or one tap of im2col(x) (B), scattered k-major.
      let entries = TK / 4u;
      for (var s = thread; s < TK * WG_Y; s += threads) {
        let row = s / entries;
        let kk = (s % entries) * 4u;
        var v = vec4<f32>(0.0);
        if (m0 + row < params.rows && k0 + kk < kEnd) {
          v = dy[(m0 + row) * (params.depth / 4u) + (k0 + kk) / 4u];
        }
        scatterK(true, kk, row, v);
      }
      for (var s = thread; s < TK * WG_X; s += threads) {
        let col = s / entries;
        let kk = (s % entries) * 4u;
        let tap = 4u * n0 + col;
        var v = vec4<f32>(0.0);
        if (tap < params.cols && k0 + kk < kEnd) {
          let group = (k0 + kk) / 4u;
          let p = group / params.groups;
          v = im2col(tap, p / params.wo, p % params.wo, group % params.groups);
        }
        scatterK(false, kk, col, v);
      }
    } else {
      for (var s = thread; s < TK * WG_Y; s += threads) {
        let kk = s / WG_Y;
        tileA[s] = weightColumn(m0 + (s % WG_Y) * 4u, k0 + kk);
      }
      for (var s = thread; s < TK * WG_X; s += threads) {
        let k = k0 + s / WG_X;
        var v = vec4<f32>(0.0);
        if (column < params.cols && k < kEnd) {
          if (PASS == FORWARD) {
            v = im2col(k, py, px, g);
          } else {
            v = dyGather(k, py, px, g);
          }
        }
        tileB[s] = v;
      }
    }
    multiplyTiles(lid, &acc0, &acc1, &acc2, &acc3);
  }

  let acc = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let row = m0 + lid.y * 4u + r;
    if (row >= params.rows) {
      break;
    }
    if (PASS == WEIGHT_GRAD) {
      for (var q = 0u; q < 4u; q++) {
        let tap = 4u * (n0 + lid.x) + q;
        if (tap < params.cols) {
          c[(row * params.cols + tap) * params.splitStride + split] = acc[r][q];
        }
      }
    } else {
      if (column < params.cols) {
        var value = acc[r];
        if (HAS_BIAS) {
          value += vec4<f32>(bias[row]);
        }
        // Padding examples are exactly 0 whatever the filter holds.
        let live = vec4<u32>(0u, 1u, 2u, 3u) + 4u * g < vec4<u32>(params.batch);
        value = select(vec4<f32>(0.0), value, live);
        var at = (row * params.cols + column) * 4u;
        if (PASS == BACKWARD_DATA) {
          at = (((row * params.h + py) * params.w + px) * params.groups + g) * 4u;
        }
        c[at] = value.x;
        c[at + 1u] = value.y;
        c[at + 2u] = value.z;
        c[at + 3u] = value.w;
      }
    }
  }
}
