// The tap walk of the sparse convolutions' backward-data pass (conv_csr, conv_bsr), put by the host
// in front of the kernel with conv_geometry.wgsl: it steps through the taps that reach a block of
// PX input pixels stride apart, and hands each to the kernel, which adds its product over the
// filter's stored entries of that tap.
//
// The kernel declares the override PX, the uniform `params` with the fields h, w, kh, kw, stride,
// padding, circular, ho and wo (the geometry of conv-geometry.ts) and groups, and:
//   alias Accumulators: the type of the invocation's accumulators;
//   struct TapTarget: what the kernel's tap step needs besides (its channels, batch groups, ...);
//   fn addBackwardTap(acc: ptr<function, Accumulators>, into: TapTarget, tap: u32, px: array<Pixel, 8>):
//     adds tap `tap` (tapBase + ky·kw + kx) with dy read at the PX output pixels px (a factor 0
//     where a pixel's output column falls outside [0, wo)).
//
// With stride 1, zero padding or circular padding that keeps the image size, each tap (ky, kx)
// reaches pixel (iy, ix) from one output pixel, (iy + padding - ky, ix + padding - kx) (wrapped
// once when circular), and the taps are stepped through in order. Otherwise, for each unwrapped row
// u (iy, and iy ∓ h when circular) the taps with ky ≡ u + padding (mod stride) are stepped through
// directly with their output row oy = (u + padding - ky) / stride (one division per u, none per
// tap), likewise for columns (their range set up once per unwrapped column, outside the rows); the
// block's pixels are stride apart, so they share their taps at consecutive output columns.

fn walkBackwardTaps(acc: ptr<function, Accumulators>, into: TapTarget, tapBase: u32, iy: i32, ix: i32) {
  let stride = i32(params.stride);
  let padding = i32(params.padding);
  let kh = i32(params.kh);
  let kw = i32(params.kw);
  let h = i32(params.h);
  let w = i32(params.w);
  let wraps = params.circular != 0u;
  if (stride == 1 && (!wraps || (params.ho == params.h && params.wo == params.w))) {
    // One loop set-up in all, where the walk below sets up one per row and copy (on SwiftShader,
    // 3x3 at 7x7: 2-3x faster than that walk with circular padding, 1.2-1.7x with zeros).
    for (var ky = 0; ky < kh; ky++) {
      var oy = iy + padding - ky;
      if (u32(oy) >= params.ho) {
        if (!wraps) {
          continue;
        }
        oy = wrapOnce(oy, h);
      }
      let outRow = u32(oy) * params.wo;
      for (var kx = 0; kx < kw; kx++) {
        addBackwardTap(acc, into, tapBase + u32(ky * kw + kx), rowPixels(ix + padding - kx, 1, outRow, params.wo, wraps, 1.0));
      }
    }
    return;
  }
  // The copies some tap reaches: unwrapped row u is read when -padding <= u <= lastRow, so with
  // circular padding (at most the image size) u = iy - h only in the bottom rows and u = iy + h
  // only in the top ones, likewise columns for the block's first and last pixel: interior pixels
  // walk one copy.
  let lastRow = i32(params.ho - 1u) * stride + kh - 1 - padding;
  let lastCol = i32(params.wo - 1u) * stride + kw - 1 - padding;
  let ixLast = ix + i32(inputBlockPixels(u32(ix)) - 1u) * stride;
  let syLo = select(0, -1, wraps && iy - h >= -padding);
  let syHi = select(0, 1, wraps && iy + h <= lastRow);
  let sxLo = select(0, -1, wraps && ixLast - w >= -padding);
  let sxHi = select(0, 1, wraps && ix + w <= lastCol);
  for (var sx = sxLo; sx <= sxHi; sx++) {
    // The first pixel's unwrapped column u: taps kx ≡ ax = u + padding (mod stride), output column
    // ox = (ax - kx) / stride for the first pixel, ox + p for pixel p (floor division: ax may be < 0).
    let ax = ix + sx * w + padding;
    let kx0 = (ax % stride + stride) % stride;
    let ox0 = (ax - kx0) / stride;
    // Taps i (kx = kx0 + i·stride < kw) whose output column ox0 - i reaches some pixel of the
    // block: ox0 - i < wo and ox0 - i + PX > 0.
    let iFirst = max(0, ox0 - i32(params.wo) + 1);
    let iEnd = min((kw - kx0 + stride - 1) / stride, ox0 + i32(PX));
    for (var sy = syLo; sy <= syHi; sy++) {
      // Likewise ay = u + padding for the unwrapped row u; output row oy reads it through tap ky = ay - oy·stride.
      let ay = iy + sy * h + padding;
      for (var oy = min(ay / stride, i32(params.ho) - 1); oy >= 0 && ay - oy * stride < kh; oy--) {
        let tapRow = tapBase + u32(ay - oy * stride) * params.kw;
        let outRow = u32(oy) * params.wo;
        for (var i = iFirst; i < iEnd; i++) {
          addBackwardTap(acc, into, tapRow + u32(kx0 + i * stride), rowPixels(ox0 - i, 1, outRow, params.wo, false, 1.0));
        }
      }
    }
  }
}
