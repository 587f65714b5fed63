#!/bin/bash
# Builds every libFuzzer target (tests/fuzz/build.sh) and runs each for SECONDS, one after another, from
# its seed corpus: tests/fuzz/seeds/<target>/ plus, where ../shared is present, the golden safetensors,
# config.json and adapter_config.json files (and configs/*.yaml for the config target, the embedded
# backbone's spm.model for the SentencePiece one). Prints one line of figures a target.
#   tests/fuzz/run.sh SECONDS [TARGET ...]      (default: all targets)
# Environment: ATTUNE_FUZZ_OUT (default build-fuzz/ at the repository root: the build, the growing corpora
# in corpus/<target>/, crash inputs in crashes/<target>/, logs in logs/); ATTUNE_SHARED_DIR (default
# ../shared); ATTUNE_FUZZ_RUNS=N stops each target after N inputs instead of SECONDS.
# Exit status: 0 when no target crashed; 1 when one did (the crash input's path is printed; rerun it with
# OUT/TARGET PATH); 77 when clang or its libFuzzer runtime is missing, which is a failure (1) instead under
# ATTUNE_REQUIRE_SHARED=1.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET ...]}
shift
out=${ATTUNE_FUZZ_OUT:-$root/build-fuzz}
shared=${ATTUNE_SHARED_DIR:-$root/../shared}
all_targets=(fuzz_csv fuzz_config fuzz_inputs fuzz_auditd fuzz_api_request fuzz_tokenizer_bpe
             fuzz_tokenizer_json fuzz_tokenizer_wordpiece fuzz_tokenizer_attune fuzz_tokenizer_spm
             fuzz_safetensors fuzz_hf_config fuzz_export_files)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

# The toolchain: clang++ able to link a libFuzzer program with both sanitizers.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe_dir/probe.cpp"
if ! command -v "${ATTUNE_FUZZ_CXX:-clang++}" >/dev/null ||
  ! "${ATTUNE_FUZZ_CXX:-clang++}" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" \
    -o "$probe_dir/probe" 2>"$probe_dir/probe.log"; then
  echo "fuzz: clang++ with libFuzzer and the sanitizers is not available" \
    "(Debian: apt install clang libclang-rt-dev, or run tools/setup.sh)"
  sed 's/^/  /' "$probe_dir/probe.log" 2>/dev/null | head -5
  if [ "${ATTUNE_REQUIRE_SHARED:-0}" = 1 ]; then
    echo "fuzz: FAILED (ATTUNE_REQUIRE_SHARED=1: the fuzz targets must run here)"
    exit 1
  fi
  echo "fuzz: SKIPPED"
  exit 77
fi

"$root/tests/fuzz/build.sh" "$out" || { echo "fuzz: FAILED to build the targets"; exit 1; }

# Seeds from ../shared, copied beside the build (libFuzzer reads seed directories, not single files).
extra_seeds() {  # target -> directories of further seeds (printed one a line)
  local t=$1 dir=$out/seeds-shared/$1
  case $t in
    fuzz_safetensors)
      [ -d "$shared/golden" ] || return 0
      mkdir -p "$dir"
      find "$shared/golden" -name '*.safetensors' ! -name 'golden.safetensors' -size -1M | while read -r f; do
        cp -f "$f" "$dir/$(echo "${f#"$shared"/golden/}" | tr / _)"
      done
      echo "$dir" ;;
    fuzz_hf_config)
      [ -d "$shared/golden" ] || return 0
      mkdir -p "$dir"
      find "$shared/golden" -name 'config.json' | while read -r f; do
        cp -f "$f" "$dir/$(echo "${f#"$shared"/golden/}" | tr / _)"
      done
      echo "$dir" ;;
    fuzz_config)
      echo "$root/configs" ;;
    fuzz_tokenizer_spm)  # the embedded backbone's spm.model (357 KB: too big to commit twice as a seed)
      mkdir -p "$dir"
      cp -f "$root/models/embedded/deberta-v3-compact/spm.model" "$dir/deberta-v3-compact.model" 2>/dev/null
      if [ -d "$shared/golden" ]; then
        find "$shared/golden" -name 'spm.model' -size -1M | while read -r f; do
          cp -f "$f" "$dir/$(echo "${f#"$shared"/golden/}" | tr / _)"
        done
      fi
      echo "$dir" ;;
    fuzz_export_files)  # PEFT's own adapter_config.json files, behind the byte that picks that file
      [ -d "$shared/golden" ] || return 0
      mkdir -p "$dir"
      find "$shared/golden" -name 'adapter_config.json' | while read -r f; do
        { printf 1; cat "$f"; } >"$dir/$(echo "${f#"$shared"/golden/}" | tr / _)"
      done
      echo "$dir" ;;
  esac
}

status=0
printf '%-26s %12s %9s %6s %7s %7s  %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  bin=$out/$t
  [ -x "$bin" ] || { echo "fuzz: no target $t (known: ${all_targets[*]})"; status=1; continue; }
  corpus=$out/corpus/$t crashes=$out/crashes/$t log=$out/logs/$t.log
  mkdir -p "$corpus" "$crashes" "$out/logs"
  seeds=()
  [ -d "$root/tests/fuzz/seeds/$t" ] && seeds+=("$root/tests/fuzz/seeds/$t")
  while read -r d; do [ -n "$d" ] && seeds+=("$d"); done < <(extra_seeds "$t")
  args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1
        -artifact_prefix="$crashes/")
  [ -n "${ATTUNE_FUZZ_RUNS:-}" ] && args+=(-runs="$ATTUNE_FUZZ_RUNS")
  [ -f "$root/tests/fuzz/dict/$t.dict" ] && args+=(-dict="$root/tests/fuzz/dict/$t.dict")
  "$bin" "${args[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1 &
  pid=$!
  wait $pid
  rc=$?
  rm -rf "/dev/shm/attune-fuzz-$pid" "${TMPDIR:-/tmp}/attune-fuzz-$pid"  # the file targets' scratch dir
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
  if [ $rc -eq 0 ]; then
    result=ok
  else
    status=1
    unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="CRASH (exit $rc): ${unit:-no input saved}; log $log"
  fi
  printf '%-26s %12s %9s %6s %7s %7s  %s\n' "$t" "${execs:--}" "${speed:--}" "${cov:--}" "${ft:--}" \
    "${corp:--}" "$result"
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR: |SUMMARY: |what\(\)|^    #[0-9]+ .* in attune::' "$log" | head -12 | sed 's/^/    /'
  fi
done
exit $status
