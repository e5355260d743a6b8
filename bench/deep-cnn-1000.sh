#!/bin/bash
# The EOI paper's deep vanilla CNN at depth 1000: the depth-100 flattened-readout network of
# bench/RESULTS.md (2 stride-2 stems, 3x3 convolutions of 16 channels, circular padding, tanh, no
# residuals or normalisation, density 0.125) with ten times the layers, on a short budget (a step
# takes ~9 s on SwiftShader). One compare per init under the GPU lock, skipped when its directory
# holds results.json (so a stopped script resumes), then one merged table.
# usage: bash bench/deep-cnn-1000.sh [out-dir] [steps] [inits]   defaults: bench/deep-cnn-1000, 120, eoi uniform
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/deep-cnn-1000}
steps=${2:-120}
inits=${3:-eoi uniform}
mkdir -p "$out/arms"
source bench/private-cli.sh
for init in $inits; do
  dir="$out/arms/$init"
  [ -f "$dir/results.json" ] && continue
  flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" compare --model cnn \
    --depth 1000 --channels 16 --stem 2 --kernel 3 --padding circular --readout flatten --density 0.125 \
    --activation tanh --sigma-w 1.0247 --sigma-b 0.00448 --optimizer sgd --lr 0.01 --momentum 0.9 \
    --batch 32 --max-steps "$steps" --test-limit 500 --inits "$init" --out "$dir"
done
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/deep-cnn-1000.sh, one arm per run" $(ls -d "$out"/arms/*/ | sort)
