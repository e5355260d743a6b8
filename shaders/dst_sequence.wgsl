// A seeded pseudorandom order of the n flat positions of a layer (dst_grow's SET grow and RigL's
// sample of the positions; src/kernels/dst.ts composes this part in front): a bijection π of
// [0, n), a four-round Feistel network on [0, 4^h) (h the smallest >= 1 with 4^h >= n, round keys
// from the salt) re-applied while the result is >= n. src/dst/reference.ts computes the same π.

const ROUNDS = 4u;

// The PCG output hash (src/dst/reference.ts has the same one).
fn pcg(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// The Feistel network's positions n, half width h and round keys.
struct Feistel {
  n: u32,
  h: u32,
  mask: u32,
  keys: vec4<u32>,
}

fn feistel(n: u32, salt: u32) -> Feistel {
  let h = max(1u, (33u - countLeadingZeros(n - 1u)) / 2u);
  var keys = vec4<u32>();
  for (var j = 0u; j < ROUNDS; j++) {
    keys[j] = pcg(salt + j * 0x9e3779b9u);
  }
  return Feistel(n, h, (1u << h) - 1u, keys);
}

// π(i): the Feistel network, re-applied until it lands in [0, n).
fn sequence(f: Feistel, i: u32) -> u32 {
  var x = i;
  loop {
    var left = (x >> f.h) & f.mask;
    var right = x & f.mask;
    for (var j = 0u; j < ROUNDS; j++) {
      let r = left ^ (pcg(right ^ f.keys[j]) & f.mask);
      left = right;
      right = r;
    }
    x = (left << f.h) | right;
    if (x < f.n) {
      break;
    }
  }
  return x;
}
