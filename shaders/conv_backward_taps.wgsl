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
// For each unwrapped row u (iy, and iy ∓ h when circular) the taps with ky ≡ u + padding (mod
// stride) are stepped through directly with their output row oy = (u + padding - ky) / stride (one
// division per u, none per tap), likewise for columns; the block's pixels are stride apart, so
// they share their taps at consecutive output columns.

fn walkBackwardTaps(acc: ptr<function, Accumulators>, into: TapTarget, tapBase: u32, iy: i32, ix: i32) {
  let stride = i32(params.stride);
  let padding = i32(params.padding);
  let kh = i32(params.kh);
  let kw = i32(params.kw);
  let wraps = i32(params.circular);
  for (var sy = -wraps; sy <= wraps; sy++) {
    // ay = u + padding for the unwrapped row u; output row oy reads it through tap ky = ay - oy·stride.
    let ay = iy + sy * i32(params.h) + padding;
    if (ay < 0) {
      continue;
    }
    for (var oy = min(ay / stride, i32(params.ho) - 1); oy >= 0 && ay - oy * stride < kh; oy--) {
      let tapRow = tapBase + u32(ay - oy * stride) * params.kw;
      let outRow = u32(oy) * params.wo;
      for (var sx = -wraps; sx <= wraps; sx++) {
        // Likewise for the first pixel's unwrapped column: taps kx ≡ ax (mod stride), output column
        // ox = (ax - kx) / stride for the first pixel, ox + p for pixel p (floor division: ax may be < 0).
        let ax = ix + sx * i32(params.w) + padding;
        let kx0 = (ax % stride + stride) % stride;
        let ox0 = (ax - kx0) / stride;
        for (var i = 0; kx0 + i * stride < kw; i++) {
          let ox = ox0 - i;
          if (ox + i32(PX) <= 0) {
            break;
          }
          if (ox >= i32(params.wo)) {
            continue;
          }
          addBackwardTap(acc, into, tapRow + u32(kx0 + i * stride), rowPixels(ox, 1, outRow, params.wo, false, 1.0));
        }
      }
    }
  }
}
