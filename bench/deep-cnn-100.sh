#!/bin/bash
# The EOI paper's deep vanilla CNN at depth 100 with the flattened readout (bench/RESULTS.md: 2
# stride-2 stems, 100 3x3 convolutions of 16 channels, circular padding, tanh, no residuals or
# normalisation, density 0.125; SGD with momentum 0.9, batch 32, 300 steps): more seeds of the
# sparse inits and the dense delta-orthogonal init at a lower learning rate. One compare per arm
# under the GPU lock, skipped when its directory holds results.json (so a stopped script resumes),
# then one merged table of every arm (the seeds of an init share a cell, their mean; the dense arm
# at its own learning rate has a row of its own, named by it).
# usage: bash bench/deep-cnn-100.sh [out-dir] [seeds] [dense lr]
#   defaults: bench/deep-cnn-100-flatten, 1,2, 0.003
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/deep-cnn-100-flatten}
seeds=${2:-1,2}
denseLr=${3:-0.003}
mkdir -p "$out/arms"
source bench/private-cli.sh
net=(--model cnn --depth 100 --channels 16 --stem 2 --kernel 3 --padding circular --readout flatten --density 0.125
  --activation tanh --sigma-w 1.0247 --sigma-b 0.00448 --optimizer sgd --momentum 0.9 --batch 32 --max-steps 300
  --test-limit 2000)
arm() { # directory name, flags
  local dir="$out/arms/$1"
  shift
  [ -f "$dir/results.json" ] && return
  flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" compare "${net[@]}" "$@" --out "$dir"
}
for init in eoi uniform; do arm "$init-seeds-${seeds//,/-}" --lr 0.01 --inits "$init" --seeds "$seeds"; done
arm "delta-orthogonal-lr-$denseLr" --lr "$denseLr" --inits delta-orthogonal
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "one arm per run" $(ls -d "$out"/arms/*/ | sort)
