#!/usr/bin/env bash
# Installs what attune needs from Debian (skipping what is there), then configures and builds into build/.
# Safe to run again: it only installs what is missing and rebuilds what changed.
#   tools/setup.sh            install + configure + build
#   BUILD_DIR=dir tools/setup.sh   build elsewhere
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$here/build}"

packages=(
  build-essential cmake pkg-config
  libtorch-dev libopenblas0-pthread libjemalloc-dev libdnnl-dev
  libyaml-cpp-dev libsentencepiece-dev nlohmann-json3-dev
  libgtest-dev libcli11-dev libcpp-httplib-dev libssl-dev
  clang libclang-rt-dev  # the libFuzzer targets (tests/fuzz/): clang with its sanitizer and fuzzer runtimes
  libonnx-dev python3-onnx  # the ONNX export (protobuf classes) and its checker
  libgloo-dev  # headers of the c10d Gloo process group that Debian's libtorch carries (data-parallel training)
  openssl  # the TLS test makes a self-signed certificate with it
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's libtorch uses the system BLAS: make sure it is OpenBLAS (pthread), not the reference BLAS.
if command -v update-alternatives >/dev/null; then
  for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
    cur="$(update-alternatives --query "$alt" 2>/dev/null | awk '/^Value:/{print $2}')"
    case "$cur" in
      *openblas-pthread*) ;;
      *)
        best="$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-pthread | head -n1 || true)"
        [ -n "$best" ] && ${sudo:-} update-alternatives --set "$alt" "$best" >/dev/null || true
        ;;
    esac
  done
fi

jobs="${JOBS:-$(nproc)}"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" -j "$jobs"

# Optional: Hugging Face's JavaScript tokenizers (pure JS, no scripts run), which a test uses to read the
# exports' tokenizer files independently. Without npm the test says so and skips.
if command -v npm >/dev/null && [ ! -f "$build_dir/js/node_modules/@huggingface/tokenizers/package.json" ]; then
  npm install --prefix "$build_dir/js" --no-audit --no-fund --ignore-scripts --silent \
    @huggingface/tokenizers@0.2.0 >/dev/null 2>&1 ||
    echo "setup: npm could not install @huggingface/tokenizers (optional: one cross-check test will skip)"
fi

# Optional: ONNX Runtime for Node.js (its CPU binaries ship inside the package; no scripts run), which the
# ONNX export's tests run the exported graphs with. Without npm those tests say so and skip.
if command -v npm >/dev/null && [ ! -f "$build_dir/js/node_modules/onnxruntime-node/package.json" ]; then
  npm install --prefix "$build_dir/js" --no-audit --no-fund --ignore-scripts --silent onnxruntime-node@1.30.0 \
    >/dev/null 2>&1 || echo "setup: npm could not install onnxruntime-node (optional: the ONNX Runtime checks skip)"
fi
