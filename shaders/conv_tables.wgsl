// The tables a CSR conv filter's kernels read beside its pattern (src/kernels/conv-csr.ts),
// rebuilt on the GPU after dynamic sparsity moved the pattern (src/kernels/dst.ts). Inputs: the
// filter's colIdx (nnz entries; column (ci·kh + ky)·kw + kx is tap (ky, kx) of input channel ci)
// and Wᵀ's row starts tRowPtr (cIn·kh·kw + 1 words, already rebuilt: input channel c's stored
// taps are Wᵀ's rows c·kh·kw .. (c + 1)·kh·kw - 1). One invocation of `decode_taps` writes entry
// e's tap, taps[2e] = ci and taps[2e + 1] = ky << 16 | kx; one of `channel_order` places input
// channel c in channelOrder, the channels by decreasing stored taps, ties by index (the row
// swizzle of src/sparse/swizzle.ts over channels), by counting the channels ahead of it: cIn reads
// each, so cIn² in all. One invocation of `flip_taps` takes row r = (ci·kh + ky)·kw + kx of Wᵀ
// (tColIdx holds its output channels) and writes each of its entries t flipped, flippedTaps[2t] =
// co and flippedTaps[2t + 1] = (kh-1-ky) << 16 | (kw-1-kx): the flipped backward-data walk's taps.
// dst_index.wgsl (composed in front) folds the workgroups into one list.

struct Params {
  nnz: u32,
  cIn: u32,
  kh: u32,
  kw: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> colIdx: array<u32>;
@group(0) @binding(2) var<storage, read> tRowPtr: array<u32>;
@group(0) @binding(3) var<storage, read_write> taps: array<u32>;
@group(0) @binding(4) var<storage, read_write> channelOrder: array<u32>;
@group(0) @binding(5) var<storage, read> tColIdx: array<u32>;
@group(0) @binding(6) var<storage, read_write> flippedTaps: array<u32>;

@compute @workgroup_size(WG)
fn decode_taps(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = index(wid, nwg, lid);
  if (e >= params.nnz) {
    return;
  }
  let plane = params.kh * params.kw;
  let col = colIdx[e];
  let t = col % plane;
  taps[2u * e] = col / plane;
  taps[2u * e + 1u] = ((t / params.kw) << 16u) | (t % params.kw);
}

fn channelTaps(c: u32) -> u32 {
  let plane = params.kh * params.kw;
  return tRowPtr[(c + 1u) * plane] - tRowPtr[c * plane];
}

@compute @workgroup_size(WG)
fn channel_order(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = index(wid, nwg, lid);
  if (c >= params.cIn) {
    return;
  }
  let mine = channelTaps(c);
  var rank = 0u;
  for (var other = 0u; other < params.cIn; other++) {
    let theirs = channelTaps(other);
    if (theirs > mine || (theirs == mine && other < c)) {
      rank += 1u;
    }
  }
  channelOrder[rank] = c;
}

@compute @workgroup_size(WG)
fn flip_taps(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = index(wid, nwg, lid);
  if (r >= params.cIn * params.kh * params.kw) {
    return;
  }
  let t = r % (params.kh * params.kw);
  let flipped = ((params.kh - 1u - t / params.kw) << 16u) | (params.kw - 1u - t % params.kw);
  for (var e = tRowPtr[r]; e < tRowPtr[r + 1u]; e++) {
    flippedTaps[2u * e] = tColIdx[e];
    flippedTaps[2u * e + 1u] = flipped;
  }
}
