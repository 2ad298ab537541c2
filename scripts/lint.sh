#!/usr/bin/env bash
# Style is a tool's job: clang-format for C++ (.clang-format) and ESLint for JavaScript
# (eslint.config.js). `npm test` runs this and fails on any difference; `npm run format`
# rewrites the files instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
cpp_files=$(git ls-files 'cpp/*.cpp' 'cpp/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp')
if [ "$mode" = fix ]; then
  clang-format-14 -i $cpp_files
  [ -x node_modules/.bin/eslint ] && node_modules/.bin/eslint --fix .
  exit 0
fi
echo "== clang-format =="
clang-format-14 --dry-run --Werror $cpp_files
if [ -x node_modules/.bin/eslint ]; then
  echo "== ESLint =="
  node_modules/.bin/eslint --max-warnings 0 .
fi
echo "lint: clean"
