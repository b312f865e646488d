#!/usr/bin/env bash
# The GPU run (issue 15), one prepared script in two steps:
#
#   bash scripts/gpu-run.sh prepare        # here, where npm and Debian's packages are reachable
#   bash scripts/gpu-run.sh run [TAG]      # on the GPU machine (no Node, no registry needed), or here
#
# `prepare` fills .gpu/ (git-ignored, about 45 MB, what the device tool carries): this machine's
# Node binary (xz), the GPU checks (scripts/gpu-check.ts) and bench/kernels.ts bundled with
# esbuild together with TensorFlow.js and its WebGPU backend, the `webgpu` package's Dawn for
# linux-x64, tfjs-backend-wasm's .wasm files, and Debian's libvulkan1 (the Vulkan loader, in case
# the GPU machine has none).
#
# `run` prints nvidia-smi, the Vulkan ICDs present (/usr/share/vulkan/icd.d, /etc/vulkan/icd.d,
# the NVIDIA container's own), asks Dawn for an adapter with backend=vulkan, runs the kernel
# conformance suite on every backend that loads (WebGPU included where the adapter exists) and,
# only where WebGPU loaded, bench:kernels with WebGPU next to the CPU backends. Everything goes
# to $OUT (the device tool's folder) or else bench/results/, named gpu-<TAG>-*; the machine is
# named in each file. Where there is no GPU it says so and runs nothing on one.
#
# With the device tool: run(command: "bash scripts/gpu-run.sh run h100", carry: [".gpu"]).
# GPU_RUN_CARRIED_NODE=1 uses the carried Node even where one is installed (to try that path here).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
G=$ROOT/.gpu

prepare() {
  set -e
  mkdir -p "$G/app" "$G/debs"
  local node
  node=$(node -p process.execPath)
  if [ ! -f "$G/node.xz" ] || [ "$node" -nt "$G/node.xz" ]; then
    echo "gpu-run prepare: compressing $node ($(node --version)) into .gpu/node.xz (a few minutes)"
    xz -T2 -6 -c "$node" >"$G/node.xz.tmp" && mv "$G/node.xz.tmp" "$G/node.xz"
  fi
  local pkgs=${TMPDIR:-/tmp}/kindling-gpu-pkgs
  if [ ! -d "$pkgs/node_modules/webgpu" ] || [ ! -d "$pkgs/node_modules/@tensorflow/tfjs-backend-webgpu" ]; then
    npm install --prefix "$pkgs" --no-save --no-package-lock --legacy-peer-deps --no-audit --no-fund webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0
  fi
  # One TensorFlow.js: the project's tfjs-core for the WebGPU backend too (its peer copy would register kernels elsewhere).
  rm -rf "$pkgs/node_modules/@tensorflow/tfjs-core" "$pkgs/node_modules/@tensorflow/tfjs-backend-cpu"
  rm -rf "$G/app"/*
  NODE_PATH="$pkgs/node_modules" "$ROOT/node_modules/.bin/esbuild" scripts/gpu-check.ts bench/kernels.ts \
    --bundle --platform=node --format=esm --target=node20 --outbase=. --outdir="$G/app" --log-level=warning \
    --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --alias:@tensorflow/tfjs-core=./node_modules/@tensorflow/tfjs-core --alias:@tensorflow/tfjs-backend-cpu=./node_modules/@tensorflow/tfjs-backend-cpu \
    --banner:js="import { createRequire as __kr } from 'node:module'; import { fileURLToPath as __ku } from 'node:url'; import { dirname as __kd } from 'node:path'; const require = __kr(import.meta.url); const __filename = __ku(import.meta.url); const __dirname = __kd(__filename);"
  # Runtime files next to the bundles: Dawn for linux-x64 (the GPU machine is x86-64) and the wasm binaries.
  local wg="$G/app/node_modules/webgpu" wasm="$G/app/node_modules/@tensorflow/tfjs-backend-wasm"
  mkdir -p "$wg/dist/linux-x64" "$wasm/dist"
  cp "$pkgs/node_modules/webgpu/"{package.json,index.js} "$wg/"
  cp "$pkgs/node_modules/webgpu/dist/linux-x64/dawn.node" "$wg/dist/linux-x64/"
  for d in debug ms; do cp -r "$pkgs/node_modules/$d" "$G/app/node_modules/"; done
  cp "$ROOT/node_modules/@tensorflow/tfjs-backend-wasm/package.json" "$wasm/"
  cp "$ROOT/node_modules/@tensorflow/tfjs-backend-wasm/dist/"*.wasm "$wasm/dist/"
  tar -C "$G" -cJf "$G/app.tar.xz" app && rm -rf "$G/app"
  # The Vulkan loader from Debian (amd64), used only where the GPU machine has none.
  (cd "$G/debs" && rm -f ./*.deb && apt-get download libvulkan1 >/dev/null) || echo "gpu-run prepare: could not download libvulkan1 (the run uses the machine's loader)"
  du -sh "$G"/* | sed 's/^/gpu-run prepare: /'
  echo "gpu-run prepare: done; now: bash scripts/gpu-run.sh run TAG (with the device tool: carry [\".gpu\"])"
}

run() {
  local tag=${1:-gpu} out=${OUT:-$ROOT/bench/results} work=${TMPDIR:-/tmp}/kindling-gpu-run
  [ -f "$G/app.tar.xz" ] && [ -f "$G/node.xz" ] || { echo "gpu-run: .gpu/ is not prepared: run 'bash scripts/gpu-run.sh prepare' first"; return 2; }
  rm -rf "$work" && mkdir -p "$work" "$out"
  local log="$out/gpu-$tag-log.txt"
  exec > >(tee "$log") 2>&1
  echo "== gpu-run $tag on $(hostname), $(date -u +%FT%TZ), $(uname -srm)"
  echo "== nvidia-smi"
  local gpu_name="none"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi || true
    gpu_name=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1 | sed 's/, / driver /')
  else
    echo "no nvidia-smi on this machine"
  fi
  echo "== Vulkan ICDs"
  local icd_found=""
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d; do
    if [ -d "$d" ]; then
      for f in "$d"/*.json; do [ -f "$f" ] && { echo "$f: $(tr -d '\n ' <"$f" | head -c 300)"; icd_found="$icd_found:$f"; }; done
    else
      echo "$d: absent"
    fi
  done
  # The NVIDIA container puts its ICD outside the standard folders: point the loader at it.
  if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json VK_ICD_FILENAMES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    echo "VK_DRIVER_FILES=$VK_DRIVER_FILES"
  fi
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
    for f in "$G"/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" "$work/root"; done
    if [ -d "$work/root" ]; then
      export LD_LIBRARY_PATH="$work/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      echo "no libvulkan.so.1 on this machine: using the carried Debian loader ($LD_LIBRARY_PATH)"
    else
      echo "no libvulkan.so.1 on this machine and none carried"
    fi
  fi
  echo "== Node"
  local node
  if command -v node >/dev/null && [ -z "${GPU_RUN_CARRIED_NODE:-}" ]; then
    node=$(command -v node)
  else
    node="$work/node"
    xz -dc "$G/node.xz" >"$node" && chmod +x "$node"
  fi
  echo "$node $("$node" --version)"
  tar -C "$work" -xJf "$G/app.tar.xz"
  echo "== Dawn adapter (backend=vulkan) and kernel conformance"
  "$node" "$work/app/scripts/gpu-check.js" --out "$out/gpu-$tag-check.json"
  local rc=$?
  if node_loaded_webgpu "$out/gpu-$tag-check.json"; then
    echo "== bench:kernels with WebGPU ($gpu_name)"
    KINDLING_GPU_NAME="$gpu_name" KINDLING_GPU_DRIVER="Dawn (webgpu package), backend=vulkan" "$node" --max-old-space-size=16000 "$work/app/bench/kernels.js" --tag "$tag" || rc=1
    cp "$work/app/bench/results/"kernels-"$tag".{json,md,svg} "$work/app/bench/results/"kernels-calibration-"$tag".json "$out/" 2>/dev/null
  else
    echo "== bench:kernels skipped: WebGPU did not load here, so nothing would run on a GPU (see above why)"
  fi
  echo "== gpu-run $tag done (status $rc); results in $out: $(cd "$out" && ls | grep -E "^(gpu-$tag-|kernels-(calibration-)?$tag)" | tr '\n' ' ')"
  return $rc
}

# True when the check's JSON says the webgpu backend loaded.
node_loaded_webgpu() {
  [ -f "$1" ] && tr -d ' \n' <"$1" | grep -q '"backend":"webgpu","loaded":true'
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash scripts/gpu-run.sh prepare | run [TAG]"; exit 2 ;;
esac
