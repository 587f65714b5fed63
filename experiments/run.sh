#!/usr/bin/env bash
# Runs one model-card experiment the way its README records it, and keeps the results files beside it.
#   experiments/run.sh NAME                  configs/NAME.yaml on its preset's stratified split
#                                            -> experiments/NAME/in_distribution/
#   experiments/run.sh NAME holdout          the same on a template-holdout split (30 % of each label's
#                                            templates only in test) -> experiments/NAME/holdout_templates/
#   experiments/run.sh NAME VARIANT ARGS...  extra ARGS go to train (e.g. --set model.num_threads=1)
# EXPERIMENT_KEEP=DIR keeps the results in DIR/NAME/<in_distribution|holdout_templates> instead, and runs in
# runs/experiments/NAME/VARIANT-<DIR's name>: for a comparison such as another backbone
# (--set model.name_or_path=PATH).
# Needs a built tree (tools/setup.sh). The run dir (checkpoints, export, data) is runs/experiments/NAME/VARIANT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: experiments/run.sh NAME [in_distribution|holdout] [train args...]}"
variant="${2:-in_distribution}"
shift $(($# > 1 ? 2 : 1))
config="$here/configs/$name.yaml"
[ -f "$config" ] || { echo "experiments/run.sh: no config $config" >&2; exit 2; }

run_dir="$here/runs/experiments/$name/$variant"
case "$variant" in
  in_distribution) keep="$here/experiments/$name/in_distribution" ;;
  holdout) keep="$here/experiments/$name/holdout_templates" ;;
  *) echo "experiments/run.sh: variant is in_distribution or holdout, not '$variant'" >&2; exit 2 ;;
esac
if [ -n "${EXPERIMENT_KEEP:-}" ]; then
  root="$(mkdir -p "$EXPERIMENT_KEEP" && cd "$EXPERIMENT_KEEP" && pwd)"
  keep="$root/$name/$(basename "$keep")"
  run_dir="$run_dir-$(basename "$root")"
fi
args=(--config "$config" --output "$run_dir" --set "data.generate.out_dir=$run_dir/data")
[ "$variant" = holdout ] && args+=(--set data.generate.holdout_templates=0.3)
# The stress set is generated with the data: read it from this run's data dir.
grep -q '^ *stress_file:' "$config" && args+=(--set "data.stress_file=$run_dir/data/stress.csv")

rm -rf "$run_dir"
mkdir -p "$run_dir" "$keep"
echo "experiments/run.sh: build/bin/train ${args[*]} $*" | tee "$keep/train.log"
"$here/build/bin/train" "${args[@]}" "$@" 2>&1 | tr '\r' '\n' | grep -v '^ *$' | tee -a "$keep/train.log"
for f in resolved_config.yaml metrics.jsonl run_summary.json test_report.json test_report.txt \
         stress_report.json stress_report.txt; do
  [ -f "$run_dir/$f" ] && cp "$run_dir/$f" "$keep/$f"
done
cp "$run_dir/data/manifest.json" "$keep/data_manifest.json"
echo "experiments/run.sh: results kept in $keep"
