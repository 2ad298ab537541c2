#!/usr/bin/env bash
# npm run bench: the native benchmark (xsimd vs scalar vs Eigen, and this core's FMA peak),
# then the WebAssembly one in Node (ours SIMD and scalar vs plain JS, TF.js wasm and
# onnxruntime-web, each peer in its fastest form; then every core: our worker pool vs the
# peers' threads), then the plot for docs/performance.md. Numbers vary between runs on a
# shared machine; compare the ratios within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
mkdir -p bench/results
if [ -x build/native/bench_native ]; then
  ./build/native/bench_native | tee bench/results/native.md
else
  echo "bench: Eigen not found; skipping the native benchmark (scripts/setup.sh installs libeigen3-dev)"
fi
echo
node --expose-gc bench/attention.js
node bench/plot.js
