#!/bin/bash
# The any-mask grid on the VGG-style CNN, one compare per arm (one GPU-lock acquisition each, so other
# GPU jobs interleave; an arm whose folder already holds results.json is skipped, so a stopped grid
# resumes), then one merged table. The CLI is built once into a private copy first, so every arm runs
# the same code whatever changes in the tree meanwhile.
# usage: bash bench/vgg-grid.sh [out-dir] [density]     defaults: bench/vgg-any-mask-3stage, 0.1
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/vgg-any-mask-3stage}
density=${2:-0.1}
mkdir -p "$out/arms"
cli=$(mktemp -d /tmp/orthosparse-vgg-grid.XXXXXX)
trap 'rm -rf "$cli"' EXIT
node scripts/build.mjs > /dev/null
cp -r dist "$cli/dist"
ln -s "$PWD/node_modules" "$cli/node_modules"
cp package.json "$cli/"
# Three conv-conv-pool stages (8, 16, 32 channels: 28 -> 14 -> 7 -> 3), ReLU, zero padding, global
# average pooling; Adam 0.005, batch 64, two epochs of the first 16,384 training images (512 steps).
common=(--model cnn --architecture vgg --depth 3 --channels 8 --stem 0 --kernel 3 --padding zeros
  --activation relu --sigma-w 1.4142 --sigma-b 0 --optimizer adam --lr 0.005 --batch 64 --epochs 2
  --train-limit 16384 --densities "$density")
arm() { # name, then the compare flags that pick the arm
  local dir=$out/arms/$1
  shift
  [ -f "$dir/results.json" ] && return
  flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" compare "${common[@]}" "$@" --out "$dir"
}
for recipe in none all released soft skip released-skip lrsi ls; do
  arm "erk-$recipe" --inits erk --recipes "$recipe"
done
for mask in random magnitude snip grasp synflow taylor eoi lottery; do
  for recipe in none all; do
    arm "$mask-$recipe" --inits '' --masks "$mask" --recipes "$recipe"
  done
done
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/vgg-grid.sh, one arm per run" $(ls -d "$out"/arms/*/ | sort)
