#!/bin/bash
# Dynamic sparse training on the VGG-style CNN of the any-mask grid (bench/vgg-common.sh: the same
# flags, seed and ERK masks; the static ERK arm without the recipe is the grid's erk-none): RigL
# and SET moving the convolutions' taps, one compare per arm, then one merged table with the
# static arm. ΔT = 100 steps, α = 0.3, T_end = 3/4 of the 512 steps (384): updates after steps
# 100, 200 and 300.
# usage: bash bench/vgg-dst.sh [out-dir] [grid-dir]     defaults: bench/vgg-dst, bench/vgg-any-mask-3stage
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/vgg-dst}
grid=${2:-bench/vgg-any-mask-3stage}
density=0.1
mkdir -p "$out/arms"
source bench/vgg-common.sh
for method in rigl set; do vgg_compare "$out/arms/erk-$method" --inits erk --recipes none --dst "$method"; done
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/vgg-dst.sh, one arm per run, the static arm from $grid" "$grid/arms/erk-none/" "$out"/arms/erk-rigl/ "$out"/arms/erk-set/
