#!/usr/bin/env bash
# Builds the libFuzzer target (clang, ASan + UBSan, no recovery) and runs it for a bounded
# time (FUZZ_SECONDS, default 60) from the committed seed corpus. New inputs it finds go to
# a scratch folder, not into the repository. Fails on any crash or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/fuzz
CXX=${FUZZ_CXX:-clang++}
if [ ! -x build/fuzz/fuzz_attention ] || [ -n "$(find cpp tests/fuzz -newer build/fuzz/fuzz_attention -name '*.[ch]pp' | head -1)" ]; then
  "$CXX" -std=c++17 -O1 -g -march=native -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I cpp/include cpp/src/kernels.cpp cpp/src/attention.cpp cpp/src/validate.cpp cpp/src/fused.cpp cpp/src/backward.cpp \
    tests/fuzz/fuzz_attention.cpp -o build/fuzz/fuzz_attention
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
  build/fuzz/fuzz_attention "$scratch" tests/fuzz/corpus \
  -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=build/fuzz/ > build/fuzz/log.txt 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -60 build/fuzz/log.txt
  echo "fuzz: FAILED (the input that broke it is in build/fuzz/)"
  exit "$status"
fi
grep -E "stat::number_of_executed_units|DONE" build/fuzz/log.txt | sed 's/^/fuzz: /'
echo "fuzz: no crash, sanitizer report or non-finite output in ${FUZZ_SECONDS:-60} s"
