#!/bin/bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer) into OUT_DIR with the
# CMake project in tests/fuzz/: each target compiles only the parser sources it reads with, not the project.
#   tests/fuzz/build.sh [OUT_DIR]        (default: build-fuzz/ at the repository root; JOBS=n, default 2)
# Needs clang and its runtime libraries (Debian: apt install clang libclang-rt-dev; tools/setup.sh
# installs them). tests/fuzz/run.sh builds and runs them all.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-fuzz}
cxx=${ATTUNE_FUZZ_CXX:-clang++}
mkdir -p "$out"
if [ ! -f "$out/CMakeCache.txt" ]; then
  cmake -S "$root/tests/fuzz" -B "$out" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
fi
cmake --build "$out" -j "${JOBS:-2}" -- --no-print-directory >/dev/null
echo "built the fuzz targets in $out"
