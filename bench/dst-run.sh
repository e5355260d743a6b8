#!/bin/bash
# Every arm of bench/dst.ts, one GPU-lock acquisition each (other GPU jobs interleave), then the report.
# The benchmark is bundled once first, so every arm runs the same code whatever changes in the tree meanwhile.
# usage: bash bench/dst-run.sh [steps] (default 1400, three epochs of MNIST at batch 128)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-1400}
mkdir -p bench/dst
bundle=bench/dst/.dst-bundle.mjs
node -e "import('./scripts/bundle.mjs').then((m) => m.bundle({ entry: 'bench/dst.ts', outfile: '$bundle', platform: 'node', external: ['webgpu', 'puppeteer-core', 'esbuild', 'fast-check'] }))"
run() { flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$bundle" "$@"; }
for d in 0.1 0.02; do [ -f bench/dst/timing-$d.json ] || run timing --density $d --out bench/dst/timing-$d.json; done
for d in 0.1 0.02; do
  for arm in rigl set static-random static-eoi; do
    [ -f bench/dst/$arm-$d.json ] || run train --arm $arm --density $d --steps "$steps" --out bench/dst/$arm-$d.json
  done
  [ -f bench/dst/dense.json ] || run train --arm dense --density 1 --steps "$steps" --out bench/dst/dense.json
done
node "$bundle" report bench/dst
rm -f "$bundle" "$bundle.map"
