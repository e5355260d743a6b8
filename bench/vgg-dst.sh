#!/bin/bash
# Dynamic sparse training on the VGG-style CNN of bench/vgg-grid.sh (the same flags, seed and
# ERK masks; the static ERK arm without the recipe is that grid's erk-none): RigL and SET moving the
# convolutions' taps, one compare per arm (one GPU-lock acquisition each; an arm whose folder holds
# results.json is skipped), then one merged table with the static arm.
# usage: bash bench/vgg-dst.sh [out-dir] [grid-dir]     defaults: bench/vgg-dst, bench/vgg-any-mask-3stage
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/vgg-dst}
grid=${2:-bench/vgg-any-mask-3stage}
mkdir -p "$out/arms"
cli=$(mktemp -d /tmp/orthosparse-vgg-dst.XXXXXX)
trap 'rm -rf "$cli"' EXIT
node scripts/build.mjs > /dev/null
cp -r dist "$cli/dist"
ln -s "$PWD/node_modules" "$cli/node_modules"
cp package.json "$cli/"
common=(--model cnn --architecture vgg --depth 3 --channels 8 --stem 0 --kernel 3 --padding zeros
  --activation relu --sigma-w 1.4142 --sigma-b 0 --optimizer adam --lr 0.005 --batch 64 --epochs 2
  --train-limit 16384 --densities 0.1)
# ΔT = 100 steps, α = 0.3, T_end = 3/4 of the 512 steps (384): updates after steps 100, 200, 300.
for method in rigl set; do
  dir=$out/arms/erk-$method
  [ -f "$dir/results.json" ] && continue
  flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" compare "${common[@]}" --inits erk --recipes none --dst "$method" --out "$dir"
done
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/vgg-dst.sh, one arm per run, the static arm from $grid" "$grid/arms/erk-none/" "$out"/arms/erk-rigl/ "$out"/arms/erk-set/
