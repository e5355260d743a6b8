// The invocation index of the mask update's one-invocation-per-item passes (dst_gather,
// dst_blocks, and conv_tables for convolutions; src/kernels/dst.ts and conv-csr.ts compose this
// part in front of them): workgroups of WG form a folded 1D list over x, then y (src/kernels/grid.ts).

override WG: u32 = 64;

fn index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}
