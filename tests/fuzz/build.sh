#!/bin/bash
# Builds the libFuzzer targets for the safetensors and config.json readers (needs clang: apt install clang).
#   tests/fuzz/build.sh [OUT_DIR]        (default: build-fuzz beside tests/)
# Run, e.g.:  OUT/fuzz_safetensors -max_total_time=60 OUT/corpus_safetensors
#             OUT/fuzz_hf_config    -max_total_time=60 OUT/corpus_hf_config
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-fuzz}
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address -I"$root" -isystem /usr/include/torch/csrc/api/include
       -D_GLIBCXX_USE_CXX11_ABI=1)
torch_libs=(-Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,--as-needed)
clang++ "${flags[@]}" "$root/tests/fuzz/fuzz_safetensors.cpp" "$root/models/safetensors.cpp" \
  -o "$out/fuzz_safetensors" "${torch_libs[@]}"
clang++ "${flags[@]}" "$root/tests/fuzz/fuzz_hf_config.cpp" "$root/models/hf_config.cpp" \
  "$root/models/activations.cpp" -o "$out/fuzz_hf_config" "${torch_libs[@]}"
# Seed corpora from the golden reference files when ../shared is present.
shared=${ATTUNE_SHARED_DIR:-$root/../shared}
mkdir -p "$out/corpus_safetensors" "$out/corpus_hf_config"
if [ -d "$shared/golden" ]; then
  for f in "$shared"/golden/*/model.safetensors; do cp "$f" "$out/corpus_safetensors/$(basename "$(dirname "$f")")"; done
  for f in "$shared"/golden/*/config.json; do cp "$f" "$out/corpus_hf_config/$(basename "$(dirname "$f")").json"; done
fi
echo "built $out/fuzz_safetensors $out/fuzz_hf_config"
