#!/bin/bash
# The EOI paper's deep vanilla CNN at depth 1000: the depth-100 flattened-readout network of
# bench/RESULTS.md (2 stride-2 stems, 3x3 convolutions of 16 channels, circular padding, tanh, no
# residuals or normalisation, density 0.125) with ten times the layers, on a short budget (a step
# takes ~9 s on SwiftShader, the set-up with the Jacobian ~8 min). One compare per trained init
# under the GPU lock, skipped when its directory holds results.json (so a stopped script resumes);
# for the inits only measured at initialisation, a one-step train run for the Jacobian; then one
# merged table of the trained arms.
# usage: bash bench/deep-cnn-1000.sh [out-dir] [steps] [trained inits] [inits at init only]
#   defaults: bench/deep-cnn-1000, 120, eoi, uniform
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/deep-cnn-1000}
steps=${2:-120}
trained=${3:-eoi}
spectra=${4:-uniform}
mkdir -p "$out/arms" "$out/init-only"
source bench/private-cli.sh
net=(--model cnn --depth 1000 --channels 16 --stem 2 --kernel 3 --padding circular --readout flatten --density 0.125
  --activation tanh --sigma-w 1.0247 --sigma-b 0.00448 --optimizer sgd --lr 0.01 --momentum 0.9 --batch 32)
run() { flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" "$@"; }
for init in $trained; do
  [ -f "$out/arms/$init/results.json" ] || run compare "${net[@]}" --max-steps "$steps" --test-limit 500 --inits "$init" --out "$out/arms/$init"
done
for init in $spectra; do
  dir="$out/init-only/$init"
  [ -f "$dir/log.json" ] && continue
  run train "${net[@]}" --max-steps 1 --test-limit 32 --init "$init" --out "$dir"
  rm -f "$dir/model.osm" "$dir/curves.svg" # one step: only the Jacobian at init is of use
done
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/deep-cnn-1000.sh, one arm per run" $(ls -d "$out"/arms/*/ | sort)
