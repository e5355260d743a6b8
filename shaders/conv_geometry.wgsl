// The pixel geometry of the sparse convolutions (conv_csr, conv_bsr), put by the host in front of
// the kernel: which output or input pixels one invocation takes, and the positions in a row they
// read, with zero or circular padding. The kernel declares the override PX (pixels per invocation,
// 1, 2, 4 or 8) and the uniform `params` with the fields groups (vec4 batch groups per feature),
// h, w (the input image), stride and circular (1 for circular padding, 0 for zeros).
//
// Activations are in the activation layout: feature f's vec4 group g is at f·groups + g, a C x H x W
// image using feature (c·H + y)·W + x.

// One pixel of a tap: the vec4 index of its group 0, and a factor that is 0 where the pixel reads
// nothing (the index then clamped inside the row).
struct Pixel {
  at: u32,
  m: f32,
}

// u wrapped once into [0, n): circular padding is at most the image size, so once always lands inside.
fn wrapOnce(u: i32, n: i32) -> i32 {
  return u + select(0, n, u < 0) - select(0, n, u >= n);
}

// Column x of the row of `width` pixels starting at feature rowOffset, wrapped when `wraps`;
// outside the row its factor is 0, m otherwise.
fn rowPixel(x: i32, rowOffset: u32, width: u32, wraps: bool, m: f32) -> Pixel {
  var u = x;
  if (wraps) {
    u = wrapOnce(u, i32(width));
  }
  let inside = u32(u) < width;
  return Pixel((rowOffset + select(0u, u32(u), inside)) * params.groups, select(0.0, m, inside));
}

// The invocation's PX pixels of a row, columns x + p·step (written out: the rest stay unused).
fn rowPixels(x: i32, step: i32, rowOffset: u32, width: u32, wraps: bool, m: f32) -> array<Pixel, 8> {
  var px: array<Pixel, 8>;
  px[0] = rowPixel(x, rowOffset, width, wraps, m);
  if (PX >= 2u) {
    px[1] = rowPixel(x + step, rowOffset, width, wraps, m);
  }
  if (PX >= 4u) {
    px[2] = rowPixel(x + 2 * step, rowOffset, width, wraps, m);
    px[3] = rowPixel(x + 3 * step, rowOffset, width, wraps, m);
  }
  if (PX >= 8u) {
    px[4] = rowPixel(x + 4 * step, rowOffset, width, wraps, m);
    px[5] = rowPixel(x + 5 * step, rowOffset, width, wraps, m);
    px[6] = rowPixel(x + 6 * step, rowOffset, width, wraps, m);
    px[7] = rowPixel(x + 7 * step, rowOffset, width, wraps, m);
  }
  return px;
}

// A forward slot: unit (what the kernel numbers outside the output plane), output row oy and the
// first of PX consecutive pixels ox, slots running over (unit, oy, block of PX pixels along the
// row) of an outH x outW output.
struct OutputBlock {
  unit: u32,
  oy: u32,
  ox: u32,
}

fn outputBlockAt(slot: u32, outH: u32, outW: u32) -> OutputBlock {
  let blocks = (outW + PX - 1u) / PX;
  let planeSlots = outH * blocks;
  let r = slot % planeSlots;
  return OutputBlock(slot / planeSlots, r / blocks, (r % blocks) * PX);
}

// A backward-data slot: unit, input row iy and the first pixel ix0 of a block of PX pixels stride
// apart, slots running over (unit, iy, column class ix mod stride, block of PX pixels of that
// class): the pixels of a block read one set of taps at consecutive output columns. ix0 may be
// past the row (the class has fewer blocks than the widest): such a slot has nothing to do.
struct InputBlock {
  unit: u32,
  iy: u32,
  ix0: u32,
}

fn inputBlockAt(slot: u32) -> InputBlock {
  let perClass = ((params.w + params.stride - 1u) / params.stride + PX - 1u) / PX;
  let rowSlots = params.stride * perClass;
  let planeSlots = params.h * rowSlots;
  let r = slot % planeSlots;
  let c = r % rowSlots;
  return InputBlock(slot / planeSlots, r / rowSlots, c / perClass + (c % perClass) * PX * params.stride);
}

// The pixels of the block at ix0 < w inside the row: at most PX, stride apart.
fn inputBlockPixels(ix0: u32) -> u32 {
  return min(PX, (params.w - ix0 + params.stride - 1u) / params.stride);
}
