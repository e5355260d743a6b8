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
arm() { # mask method (erk: the random mask at ERK densities, an init), recipe, [distribution]
  local dir=$out/arms/$1${3:+@$3}-$2
  [ -f "$dir/results.json" ] && return
  local pick=(--inits '' --masks "$1" ${3:+--distribution "$3"})
  [ "$1" = erk ] && pick=(--inits erk)
  flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" compare "${common[@]}" "${pick[@]}" --recipes "$2" --out "$dir"
}
# Most informative first, so that a grid stopped early still ranks the masks: every mask method
# without the recipe, EOI at ERK's layer densities (ERK keeps the one-channel first convolution
# dense, so its centre column is not one tap), each recipe part alone on ERK, then the whole
# recipes on every method (EOI first: its own densities leave one live path that ReLU can close), and
# last the released code's skip alone on ERK, the slowest kind of arm (a dense 1x1 convolution trains
# beside every sparse one).
for mask in erk random magnitude snip grasp synflow taylor eoi; do arm "$mask" none; done
arm eoi none erk
for recipe in soft skip lrsi ls all released; do arm erk "$recipe"; done
for mask in eoi random magnitude snip grasp synflow taylor lottery; do arm "$mask" all; done
arm lottery none
arm erk released-skip
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/vgg-grid.sh, one arm per run" $(ls -d "$out"/arms/*/ | sort)
