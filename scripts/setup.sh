#!/usr/bin/env bash
# Everything the README's commands need on a fresh Debian 12 + Node 20 machine: Chromium (which
# ships SwiftShader's Vulkan driver), the Vulkan loader, and the npm dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || missing+=(libvulkan1)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci in a folder when its node_modules is absent or older than its lockfile.
npm_ci_if_stale() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir" >&2
    npm --prefix "$dir" ci --no-audit --no-fund --loglevel=error
  fi
}

npm_ci_if_stale .
# TypeScript 5 for the package test (test/package/install.test.ts), in its own folder: it installs
# a `tsc` command too, which would shadow the root's TypeScript 7.
npm_ci_if_stale test/package/tools
# TypeDoc for the API reference and its test (test/package/docs.test.ts), in its own folder: it needs
# a TypeScript with a JavaScript API, which TypeScript 7 does not have.
npm_ci_if_stale docs/tools
