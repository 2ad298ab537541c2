#!/usr/bin/env bash
# Builds the native core + tests (build/native) and the wasm module (build/wasm),
# puts the module beside the engine in web/core/, and copies the static site to dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian's emcc runs its JS tools with this machine's node, which cannot see Debian's
# node modules (acorn) without this.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j "$jobs"

if [ ! -f build/wasm/build.ninja ]; then
  emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_ROOT_PATH=/usr >/dev/null
fi
cmake --build build/wasm -j "$jobs"

mkdir -p web/core
cp build/wasm/attention-core.js build/wasm/attention-core.wasm \
   build/wasm/attention-core-relaxed.js build/wasm/attention-core-relaxed.wasm \
   build/wasm/attention-core-scalar.js build/wasm/attention-core-scalar.wasm web/core/

# KaTeX beside the page (web/vendor/ is generated, like web/core/), so web/ itself is a
# working site and dist/ a copy of it (with the page's modules bundled, scripts/bundle.js).
mkdir -p web/vendor/katex
cp node_modules/katex/dist/katex.mjs node_modules/katex/dist/katex.min.css web/vendor/katex/
cp -r node_modules/katex/dist/fonts web/vendor/katex/

# The static site: the page, the engine and every asset it needs, nothing fetched at run
# time; plus the one-file widget for blogs.
rm -rf dist
mkdir -p dist
cp -r web/. dist/
node scripts/bundle.js
node scripts/preload.js
echo "build: native in build/native, wasm in web/core/, site in dist/"
