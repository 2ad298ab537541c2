#!/usr/bin/env bash
# Builds everything (installing what is missing), then serves the playground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo "The playground page is coming; the engine is built in dist/ (see README: JavaScript API)."
