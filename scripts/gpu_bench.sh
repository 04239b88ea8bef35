#!/usr/bin/env bash
# The bench on a GPU machine, in one command: PyTorch (training.bench, CPU and CUDA) and tfjs's WebGPU backend in
# Node through Dawn (scripts/bench-node-webgpu.ts, the measurements of src/engine/benchmark.ts). Writes into $OUT:
# torch.json, node-webgpu.json, vulkan.txt (what Vulkan the machine offers) and gpu_bench.log.
#
#   OUT=/path/to/out bash scripts/gpu_bench.sh          # on the GPU machine, at the repository root
#   bash scripts/gpu_bench.sh --pack [--with-node]      # here, before: builds out/gpubench/ (git-ignored)
#
# What each part needs there:
#   - PyTorch: python3 with torch (the GPU image has it; PYTHON=... to choose). Always runs.
#   - WebGPU in Node: Node >= 20 and either this checkout's node_modules (tfjs, webgpu, tsx: `npm ci`), or the pack
#     that `--pack` builds here: one bundled script (3 MB) + Dawn's Linux binary (gzipped, 7 MB) + with --with-node
#     this machine's node binary (xz, 24 MB). The GPU image lists no Node (/work/.library/device/KINDS.md), and
#     node_modules is not in git: carry `out/gpubench` (the device tool's `carry`). Mind the tool's 64 MiB for the
#     working tree and carried paths together: with shipped models under public/models/ the node binary may not fit.
#     Without Node the script says so, writes node-webgpu.txt, and still runs the PyTorch part.
#   - Vulkan for Dawn: a Vulkan loader (libvulkan.so.1) and the NVIDIA ICD. Where the loader is missing, carry
#     Debian's libvulkan1 as .gl/*.deb (the device README's recipe): this script unpacks .gl/*.deb first.
# Environment: BUNDLE (default: the first of public/models/{cf,bash,python}, else testdata/golden), PYTHON, NODE.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PACK="$ROOT/out/gpubench"

if [ "${1:-}" = "--pack" ]; then
  set -e
  rm -rf "$PACK" && mkdir -p "$PACK/node_modules/webgpu/dist/linux-x64"
  npx esbuild scripts/bench-node-webgpu.ts --bundle --platform=node --format=esm --external:webgpu \
    --outfile="$PACK/bench-node-webgpu.mjs" --log-level=warning \
    --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$PACK/node_modules/webgpu/"
  gzip -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$PACK/node_modules/webgpu/dist/linux-x64/dawn.node.gz"
  if [ "${2:-}" = "--with-node" ]; then
    xz -T0 -6 -c "$(command -v node)" > "$PACK/node.xz"
  fi
  du -sh "$PACK"
  echo "carry out/gpubench; on the GPU machine: OUT=\$OUT bash scripts/gpu_bench.sh"
  exit 0
fi

: "${OUT:?set OUT to the folder for the results}"
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_bench.log") 2>&1
PYTHON="${PYTHON:-python3}"
if [ -z "${BUNDLE:-}" ]; then
  BUNDLE=testdata/golden
  for lang in cf bash python; do
    if [ -f "public/models/$lang/manifest.json" ]; then BUNDLE="public/models/$lang"; break; fi
  done
fi
echo "== gpu_bench: bundle $BUNDLE, $(date -u +%FT%TZ)"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not available"
grep -m1 'model name' /proc/cpuinfo; echo "cores: $(nproc)"

# ---- 1. PyTorch: CPU and CUDA ----
echo "== PyTorch: $PYTHON -m training.bench --bundle $BUNDLE --device auto"
if PYTHONUNBUFFERED=1 timeout 300 "$PYTHON" -m training.bench --bundle "$BUNDLE" --device auto --json "$OUT/torch.json" >/dev/null; then
  "$PYTHON" - "$OUT/torch.json" <<'EOF'
import json, sys
out = json.load(open(sys.argv[1]))
for r in out["results"]:
    steps = {s["n"]: s for s in r["steps"]}
    gens = ", ".join(f"K={g['K']}: {g['ms']:.1f} ms" for g in r["generations"] if g["ms"] is not None)
    print(f"torch {out['torch']} {r['device']} ({r['device_name']}): peak {r['peak']['gflops']:.0f} GFLOP/s; "
          f"ms/step n=1 {steps[1]['ms_per_step']:.2f}, n=5 {steps[5]['ms_per_step']:.2f}; n=5 generations {gens}")
EOF
else
  echo "PyTorch bench FAILED (see above)"
fi

# ---- 2. WebGPU in Node (Dawn) ----
NODE_BIN="${NODE:-$(command -v node || true)}"
if [ -z "$NODE_BIN" ] && [ -f "$PACK/node.xz" ]; then
  mkdir -p /tmp/gpubench-node && xz -dc "$PACK/node.xz" > /tmp/gpubench-node/node && chmod +x /tmp/gpubench-node/node
  NODE_BIN=/tmp/gpubench-node/node
fi
RUNNER=()
if [ -n "$NODE_BIN" ]; then
  if [ -d node_modules/webgpu ] && [ -d node_modules/@tensorflow/tfjs-backend-webgpu ] && [ -f node_modules/tsx/dist/cli.mjs ]; then
    RUNNER=("$NODE_BIN" node_modules/tsx/dist/cli.mjs scripts/bench-node-webgpu.ts)
  elif [ -f "$PACK/bench-node-webgpu.mjs" ]; then
    dawn="$PACK/node_modules/webgpu/dist/linux-x64/dawn.node"
    [ -f "$dawn" ] || gzip -dc "$dawn.gz" > "$dawn"
    RUNNER=("$NODE_BIN" "$PACK/bench-node-webgpu.mjs")
  fi
fi
if [ -z "$NODE_BIN" ] || [ ${#RUNNER[@]} -eq 0 ]; then
  msg="WebGPU (Node) part NOT RUN: "
  if [ -z "$NODE_BIN" ]; then msg+="no node on this machine (set NODE, or build the pack here with 'bash scripts/gpu_bench.sh --pack --with-node' and carry out/gpubench)"
  else msg+="node is $NODE_BIN but neither node_modules (npm ci) nor out/gpubench (bash scripts/gpu_bench.sh --pack) is here"; fi
  echo "$msg" | tee "$OUT/node-webgpu.txt"
else
  # Vulkan: unpack carried loader packages, then find an ICD (the NVIDIA one first).
  if ls .gl/*.deb >/dev/null 2>&1; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
  {
    echo "Vulkan loaders:"; ldconfig -p | grep -i libvulkan || echo "  none (carry libvulkan1 as .gl/*.deb)"
    echo "ICD files:"
    ls -1 /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/nvidia/share/vulkan/icd.d/*.json \
      /usr/local/share/vulkan/icd.d/*.json 2>/dev/null || echo "  none found"
  } > "$OUT/vulkan.txt"
  cat "$OUT/vulkan.txt"
  if [ -z "${VK_ICD_FILENAMES:-}" ]; then
    icd="$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd*.json \
      /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)"
    if [ -n "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; fi
  fi
  echo "== WebGPU in Node: ${RUNNER[*]} (node $("$NODE_BIN" --version), VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-unset})"
  if timeout 400 "${RUNNER[@]}" --bundle "$BUNDLE" --json "$OUT/node-webgpu.json" >/dev/null; then
    "$PYTHON" - "$OUT/node-webgpu.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
steps = {s["n"]: s for s in r["steps"]}
gens = ", ".join(f"K={g['K']}: {g['ms']:.1f} ms" for g in r["generations"] if g["ms"] is not None)
f = lambda v: "–" if v is None else f"{v:.2f}"
print(f"node webgpu ({r['device']}): peak {r['peak']['gflops']:.2f} GFLOP/s; ms/step n=1 {f(steps[1]['msPerStep'])}, "
      f"n=5 {f(steps[5]['msPerStep'])} (floor ratio {f(steps[5]['floorRatio'])}); n=5 generations {gens}; "
      f"load cold {r['load']['cold']['totalMs']:.0f} ms")
EOF
  else
    echo "WebGPU (Node) bench FAILED: the Vulkan setup it saw is in vulkan.txt"
  fi
fi
echo "== gpu_bench done: $(ls "$OUT" | tr '\n' ' ')"
