#!/usr/bin/env bash
# Run a command with the environment WebGPU needs here: on a machine without a GPU, Vulkan goes to
# SwiftShader (Chromium's package), and XDG_RUNTIME_DIR points at a private folder so Vulkan does
# not print a warning per process.
set -euo pipefail
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ ! -e /dev/nvidiactl ] && ! ls /dev/dri/renderD* >/dev/null 2>&1; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
fi
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
  export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/orthosparse-xdg-$(id -u)"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi
exec "$@"
