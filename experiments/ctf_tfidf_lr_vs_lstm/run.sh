#!/usr/bin/env bash
# Runs the study side by side and keeps the results files behind every number of README.md:
#   experiments/ctf_tfidf_lr_vs_lstm/run.sh [NAME...]
# NAME is one of: ctf_tfidf_logreg ctf_lstm ctf_roberta_lora (configs/NAME.yaml, gen-data's ctf preset)
# and 4class_tfidf_logreg 4class_lstm binary_tfidf_logreg binary_lstm (configs/ here, the model cards'
# generated data and real-data proxy); default: all. Each run's resolved config, metrics, reports and
# summary go to results/NAME/; then table.py prints the tables.
#   experiments/ctf_tfidf_lr_vs_lstm/run.sh seeds
# trains the three ctf models on five splits (data.split.seed 1-5) and keeps each run_summary.json as
# results/seeds/MODEL-SEED.json: the ctf test split holds 61 rows, so one split says little.
# Needs a built tree (tools/setup.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
all=(ctf_tfidf_logreg ctf_lstm ctf_roberta_lora 4class_tfidf_logreg 4class_lstm binary_tfidf_logreg binary_lstm)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")
cd "$root"
if [ "${names[0]}" = seeds ]; then
  mkdir -p "$here/results/seeds"
  for seed in 1 2 3 4 5; do
    for model in ctf_tfidf_logreg ctf_lstm ctf_roberta_lora; do
      run_dir="runs/experiments/ctf_tfidf_lr_vs_lstm/seeds/$model-$seed"
      rm -rf "$run_dir"
      mkdir -p "$(dirname "$run_dir")"
      echo "run.sh: $model, data.split.seed $seed"
      build/bin/train --config "configs/$model.yaml" --output "$run_dir" --set "data.split.seed=$seed" \
        > "$run_dir.log" 2>&1 || { tail -5 "$run_dir.log"; exit 1; }
      cp "$run_dir/run_summary.json" "$here/results/seeds/$model-$seed.json"
    done
  done
  python3 "$here/table.py"
  exit 0
fi
for name in "${names[@]}"; do
  config="configs/$name.yaml"
  [ -f "$config" ] || config="$here/configs/$name.yaml"
  [ -f "$config" ] || { echo "run.sh: no config for '$name' (one of: ${all[*]})" >&2; exit 2; }
  run_dir="runs/experiments/ctf_tfidf_lr_vs_lstm/$name"
  keep="$here/results/$name"
  rm -rf "$run_dir" "$keep"
  mkdir -p "$keep"
  echo "run.sh: build/bin/train --config $config --output $run_dir" | tee "$keep/train.log"
  build/bin/train --config "$config" --output "$run_dir" 2>&1 | tr '\r' '\n' | grep -v '^ *$' |
    grep -v '^cross-validation .*it/s\]$' | tee -a "$keep/train.log"
  for f in resolved_config.yaml metrics.jsonl run_summary.json test_report.json test_report.txt \
           stress_report.json stress_report.txt; do
    [ -f "$run_dir/$f" ] && cp "$run_dir/$f" "$keep/$f"
  done
  for m in "$run_dir/data/manifest.json" "$(dirname "$(grep -m1 '^  train_file:' "$run_dir/resolved_config.yaml" |
                                                 sed 's/^  train_file: *//; s/"//g')")/manifest.json"; do
    [ -f "$m" ] && { cp "$m" "$keep/data_manifest.json"; break; }
  done
  echo "run.sh: results kept in $keep"
done
python3 "$here/table.py"
