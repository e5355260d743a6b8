#!/bin/bash
# Every arm of bench/dst.ts, one GPU-lock acquisition each (other GPU jobs interleave), then the report.
# The benchmark is bundled once first, so every arm runs the same code whatever changes in the tree meanwhile.
# usage: bash bench/dst-run.sh [steps] [out-dir] [densities]
#   defaults: 1400 steps (three epochs of MNIST at batch 128), bench/dst, "0.1 0.02"
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-1400}
out=${2:-bench/dst}
densities=${3:-0.1 0.02}
mkdir -p "$out"
bundle=$out/.dst-bundle.mjs
node -e "import('./scripts/bundle.mjs').then((m) => m.bundle({ entry: 'bench/dst.ts', outfile: '$bundle', platform: 'node', external: ['webgpu', 'puppeteer-core', 'esbuild', 'fast-check'] }))"
run() { flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$bundle" "$@"; }
for d in $densities; do [ -f "$out/timing-$d.json" ] || run timing --density "$d" --out "$out/timing-$d.json"; done
for d in $densities; do
  for arm in rigl set static-random static-eoi; do
    [ -f "$out/$arm-$d.json" ] || run train --arm $arm --density "$d" --steps "$steps" --out "$out/$arm-$d.json"
  done
  [ -f "$out/dense.json" ] || run train --arm dense --density 1 --steps "$steps" --out "$out/dense.json"
done
node "$bundle" report "$out"
rm -f "$bundle" "$bundle.map"
