#!/bin/bash
# The any-mask grid on the VGG-style CNN (bench/vgg-common.sh), one compare per arm, then one
# merged table.
# usage: bash bench/vgg-grid.sh [out-dir] [density]     defaults: bench/vgg-any-mask-3stage, 0.1
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/vgg-any-mask-3stage}
density=${2:-0.1}
mkdir -p "$out/arms"
source bench/vgg-common.sh
arm() { # mask method (erk: the random mask at ERK densities, an init), recipe, [distribution]
  local pick=(--inits '' --masks "$1" ${3:+--distribution "$3"})
  [ "$1" = erk ] && pick=(--inits erk)
  vgg_compare "$out/arms/$1${3:+@$3}-$2" "${pick[@]}" --recipes "$2"
}
# Most informative first, so that a grid stopped early still ranks the masks: every mask method
# without the recipe, EOI at ERK's layer densities (ERK keeps the one-channel first convolution
# dense, so its centre column is not one tap), each recipe part alone on ERK, then the whole
# recipes on every method (EOI first: its own densities leave one live path that ReLU can close),
# the released code's skip alone on ERK (a dense 1x1 convolution trains beside every sparse one),
# each recipe part alone on every other method, and last the lottery ticket, by far the slowest
# arms: its mask alone takes a dozen train-and-prune rounds of the dense network.
for mask in erk random magnitude snip grasp synflow taylor eoi; do arm "$mask" none; done
arm eoi none erk
for recipe in soft skip lrsi ls all released; do arm erk "$recipe"; done
for mask in eoi random magnitude snip grasp synflow taylor; do arm "$mask" all; done
arm erk released-skip
for recipe in soft skip lrsi ls; do
  for mask in random magnitude snip synflow taylor grasp eoi; do arm "$mask" "$recipe"; done
done
arm lottery none
arm lottery all
for recipe in soft skip lrsi ls; do arm lottery "$recipe"; done
node scripts/run.mjs bench/merge-compare.ts --out "$out" --note "bench/vgg-grid.sh, one arm per run" $(ls -d "$out"/arms/*/ | sort)
