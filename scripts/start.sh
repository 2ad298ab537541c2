#!/usr/bin/env bash
# Builds everything (installing what is missing), then serves the playground from dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec node scripts/serve.js dist
