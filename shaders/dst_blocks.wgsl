// Block scores for the mask update of a BSR layer (src/kernels/dst.ts): the selection passes
// (shaders/dst_select.wgsl) rank a BSR layer's blocks as the entries of its block pattern, a
// CSR matrix over blockRows x blockCols, by these scores.
//
// A block's score is the sum of |x| over its elements, row by row, each row left to right (one
// invocation per block, so the float32 rounding is fixed and src/dst/reference.ts repeats it).
// A block spans BS rows of W and blockWidth columns, blockWords values: a BSR layer's BS x BS
// (BS·BS words), a block conv filter's BS output channels x the kh·kw taps of BS input channels
// (columns (ci·kh + ky)·kw + kx, so blockWidth = BS·kh·kw consecutive columns; BS·BS·kh·kw words).
//
// weight_scores: scores[e] = the sum over the blockWords values of stored block e (src: the
// layer's values, block after block; padding holds 0, which adds nothing); e < n.
// gradient_scores: the score of every block position of a chunk of whole block rows, from the
// chunk's dense gradient in src (rows x cols row-major: the chunk's element rows, fewer than a
// whole last block row where the matrix ends; positions past them are padding and add nothing):
// scores[br·blockCols + bc] for the chunk's block row br, one invocation per position, n
// positions. The invocation index is shaders/dst_index.wgsl's, composed in front.

override BS: u32 = 8;

struct Params {
  n: u32,
  rows: u32,
  cols: u32,
  blockCols: u32,
  blockWidth: u32,
  blockWords: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> scores: array<f32>;

@compute @workgroup_size(WG)
fn weight_scores(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = index(wid, nwg, lid);
  if (e >= params.n) {
    return;
  }
  var sum = 0.0;
  for (var j = e * params.blockWords; j < (e + 1u) * params.blockWords; j++) {
    sum += abs(src[j]);
  }
  scores[e] = sum;
}

@compute @workgroup_size(WG)
fn gradient_scores(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = index(wid, nwg, lid);
  if (q >= params.n) {
    return;
  }
  // The chunk's element rows and the columns this block position covers.
  let r0 = (q / params.blockCols) * BS;
  let c0 = (q % params.blockCols) * params.blockWidth;
  let r1 = min(params.rows, r0 + BS);
  let c1 = min(params.cols, c0 + params.blockWidth);
  var sum = 0.0;
  for (var r = r0; r < r1; r++) {
    for (var c = c0; c < c1; c++) {
      sum += abs(src[r * params.cols + c]);
    }
  }
  scores[q] = sum;
}
