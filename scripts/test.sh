#!/usr/bin/env bash
# Every test layer, in order: native Catch2 (ctest), the wasm module under node:test,
# then the page in Debian's Chromium through playwright-core, and last the npm package as a
# user installs it.
# Installs and builds what is missing first, so a fresh clone needs only `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each layer's heading says how long the run has taken so far, to see where the time goes.
start=$SECONDS
stage() { echo "== $1 (at $((SECONDS - start)) s) =="; }
bash scripts/build.sh

stage "style (clang-format, ESLint)"
bash scripts/lint.sh

stage "Catch2 (native core)"
ctest --test-dir build/native --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"

stage "Catch2 under AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1 with line tables only (-g1): reports still name file and line, and the build takes
# about half the time of -O2 with full debug information.
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DATTENTION_SANITIZE=ON >/dev/null
cmake --build build/asan --target attention_tests -j "$(nproc 2>/dev/null || echo 2)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"

# The bounded fuzzing (its build and its run use one core) runs beside the node:test layer
# (one test file at a time, one core): ~30 s less than one after the other. Its output is
# printed when both are done; either failing fails the run.
stage "node:test (wasm engine), with the bounded libFuzzer run beside it"
mkdir -p build
FUZZ_SECONDS=${FUZZ_SECONDS:-30} bash scripts/fuzz.sh > build/fuzz-stage.log 2>&1 &
fuzz=$!
# An interrupted run stops the fuzzing too (a background job ignores Ctrl-C by itself).
trap 'if [ -n "$fuzz" ]; then pkill -P "$fuzz" 2>/dev/null; kill "$fuzz" 2>/dev/null; fi' EXIT INT TERM
node_status=0
node --test tests/node/ || node_status=$?
fuzz_status=0
wait "$fuzz" || fuzz_status=$?
fuzz=""
stage "libFuzzer (bounded), its output"
cat build/fuzz-stage.log
if [ "$node_status" -ne 0 ]; then echo "npm test: node:test failed"; exit "$node_status"; fi
if [ "$fuzz_status" -ne 0 ]; then echo "npm test: libFuzzer failed"; exit "$fuzz_status"; fi

stage "Playwright (page in Chromium)"
# Two test files at a time (each its own browser and server): the tests wait for what they
# check, never for a fixed time, so they hold with two at once on two cores (~6 min instead
# of ~9).
node --test --test-concurrency=2 tests/browser/

stage "npm package (pack, install offline, use it in Node and Chromium)"
node --test tests/package/
echo "npm test: every layer passed in $((SECONDS - start)) s"
