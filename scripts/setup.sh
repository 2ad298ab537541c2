#!/usr/bin/env bash
# Installs what building and testing Attention Playground needs, and nothing twice.
# Idempotent: when everything is present it only checks and returns in seconds.
# The package list and the reasons behind it are in docs/toolchain.md.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

xsimd_major() {
  local h=/usr/include/xsimd/config/xsimd_config.hpp
  [ -f "$h" ] && sed -n 's/^#define XSIMD_VERSION_MAJOR \([0-9]*\).*/\1/p' "$h" || echo 0
}
have_emcc() { command -v emcc >/dev/null 2>&1; }
have_catch2_v3() { [ -f /usr/include/catch2/catch_test_macros.hpp ]; }
have_chromium() { [ -x /usr/bin/chromium ]; }
# A second browser engine for tests/browser/firefox.test.js, driven by npm puppeteer-core
# over WebDriver BiDi (Playwright's Firefox needs a patched build that cannot be fetched).
have_firefox() { [ -x /usr/bin/firefox-esr ]; }
have_json() { [ -f /usr/include/nlohmann/json.hpp ]; }
# Headless Chromium needs a CJK font to draw the Chinese page in screenshots and tests.
# clang with its libFuzzer runtime, for tests/fuzz (emscripten brings clang-14 itself).
have_fuzzer() { command -v clang++ >/dev/null 2>&1 && ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; }
have_eigen() { [ -f /usr/include/eigen3/Eigen/Dense ]; }  # the native benchmark's peer
have_clang_format() { command -v clang-format-14 >/dev/null 2>&1; }  # npm test checks the C++ style
have_cjk_font() { [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; }
# tests/node/code-export.test.js runs the exported NumPy script with Debian's python3.
have_numpy() { [ -f /usr/lib/python3/dist-packages/numpy/__init__.py ]; }

missing=()
have_emcc || missing+=(emscripten)
[ "$(xsimd_major)" -ge 13 ] || missing+=(xsimd13)
have_catch2_v3 || missing+=(catch2v3)
have_chromium || missing+=(chromium)
have_firefox || missing+=(firefox-esr)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
have_json || missing+=(nlohmann-json3-dev)
have_cjk_font || missing+=(fonts-wqy-microhei)
have_eigen || missing+=(libeigen3-dev)
have_fuzzer || missing+=(clang libclang-rt-14-dev)
have_clang_format || missing+=(clang-format-14)
have_numpy || missing+=(python3-numpy)

if [ ${#missing[@]} -gt 0 ]; then
  say "missing: ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here. Install by hand: emscripten (with Embind), xsimd >= 13, Catch2 v3, nlohmann-json, cmake, ninja, chromium, firefox-esr, python3-numpy."
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      say "need root or sudo to install: ${missing[*]}"; exit 1; fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  # xsimd 13 (wasm backend) is only in trixie and Catch2 v3 only in bookworm-backports.
  # Both suites are pinned to priority 100 so nothing else is ever upgraded from them.
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = "bookworm" ] && [ ! -f /etc/apt/sources.list.d/attention-playground.sources ]; then
    $SUDO tee /etc/apt/sources.list.d/attention-playground.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO tee /etc/apt/preferences.d/attention-playground >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100
PIN
  fi
  $SUDO apt-get update -qq
  base=()
  have_emcc || base+=(emscripten)
  have_chromium || base+=(chromium)
  have_firefox || base+=(firefox-esr)
  command -v cmake >/dev/null 2>&1 || base+=(cmake)
  command -v ninja >/dev/null 2>&1 || base+=(ninja-build)
  have_json || base+=(nlohmann-json3-dev)
  have_cjk_font || base+=(fonts-wqy-microhei)
  have_eigen || base+=(libeigen3-dev)
  have_fuzzer || base+=(clang libclang-rt-14-dev)
  have_clang_format || base+=(clang-format-14)
  have_numpy || base+=(python3-numpy)
  [ ${#base[@]} -gt 0 ] && $SUDO apt-get install -y -qq --no-install-recommends "${base[@]}"
  if [ "$(xsimd_major)" -lt 13 ]; then
    if [ "$codename" = "bookworm" ]; then $SUDO apt-get install -y -qq -t trixie libxsimd-dev
    else $SUDO apt-get install -y -qq libxsimd-dev; fi
  fi
  if ! have_catch2_v3; then
    if [ "$codename" = "bookworm" ]; then $SUDO apt-get install -y -qq -t bookworm-backports catch2
    else $SUDO apt-get install -y -qq catch2; fi
  fi
  [ "$(xsimd_major)" -ge 13 ] || { say "xsimd >= 13 still missing"; exit 1; }
  have_catch2_v3 || { say "Catch2 v3 still missing"; exit 1; }
  have_emcc || { say "emscripten still missing"; exit 1; }
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
if [ -f package-lock.json ]; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
say "ok"
