# Sourced by bench/vgg-grid.sh and bench/vgg-dst.sh from the repository root, with $density set:
# a private build of the CLI (bench/private-cli.sh), the VGG-style CNN's flags, and
# `vgg_compare DIR FLAGS...`: one compare under the GPU lock (so other GPU jobs interleave between
# runs), skipped when DIR already holds results.json (so a stopped script resumes).
source bench/private-cli.sh
# Three conv-conv-pool stages (8, 16, 32 channels: 28 -> 14 -> 7 -> 3), ReLU, zero padding, global
# average pooling; Adam 0.005, batch 64, two epochs of the first 16,384 training images (512 steps).
common=(--model cnn --architecture vgg --depth 3 --channels 8 --stem 0 --kernel 3 --padding zeros
  --activation relu --sigma-w 1.4142 --sigma-b 0 --optimizer adam --lr 0.005 --batch 64 --epochs 2
  --train-limit 16384 --densities "$density")
vgg_compare() {
  local dir=$1
  shift
  [ -f "$dir/results.json" ] && return
  flock /tmp/orthosparse-gpu.lock bash scripts/gpu-env.sh node "$cli/dist/cli.js" compare "${common[@]}" "$@" --out "$dir"
}
