// export: a finished (or interrupted) run's output dir -> a merged Hugging Face dir and/or a PEFT adapter
// dir, and with --onnx the merged classifier as an ONNX graph beside it. The model is rebuilt from the
// run's resolved_config.yaml exactly as `train` built it, then the best trainable weights of its checkpoint
// are loaded. --onnx --merged-dir adds model.onnx to a merged dir exported earlier.
#include <iomanip>
#include <iostream>

#include "base/errors.h"
#include "inference/onnx_export.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/omp_wait.h"
#include "trainer/run.h"

namespace attune::cli {

namespace {

void report_onnx(const inference::OnnxExportSummary& s) {
  std::cout << "export: wrote " << s.file.string() << " (ONNX opset " << inference::kOnnxOpset << ", "
            << s.nodes << " nodes, " << (s.weight_dtype == torch::kBFloat16 ? "bf16" : "fp32") << " weights, "
            << std::fixed << std::setprecision(1) << static_cast<double>(s.bytes) / (1024.0 * 1024.0)
            << " MiB)\n";
}

}  // namespace

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  CLI::App app{
      "Export a training run: rebuild its model from <run>/resolved_config.yaml, load the best trainable\n"
      "weights of <run>/checkpoint (best.safetensors; the last weights when the run kept no best), and\n"
      "write <out>/merged (config.json with id2label, model.safetensors, tokenizer files, attune.json)\n"
      "and/or <out>/adapter (adapter_config.json + adapter_model.safetensors; LoRA runs only). A\n"
      "random-init backbone's adapter also gets <out>/base, which the adapter names.\n"
      "\n"
      "--onnx also writes <out>/merged/model.onnx: the merged sequence classifier (RoBERTa, BERT,\n"
      "DeBERTa-v2/v3) as an ONNX graph (opset 17) for ONNX Runtime and other deployment tools, inputs\n"
      "input_ids and attention_mask (int64 [batch, sequence], both axes dynamic; token types are zero) and\n"
      "output logits (float [batch, num_labels]; softmax and attune.json's calibration temperature are\n"
      "left to the caller), weights stored in --dtype, arithmetic in fp32. Tokenization is not in the\n"
      "graph: use the dir's tokenizer files with attune.json's lower-casing and max_length.\n"
      "With --merged-dir DIR instead of --run/--out, it adds DIR/model.onnx to a merged dir exported\n"
      "earlier (or any Hugging Face dir of these models), weights in the dtype model.safetensors holds.",
      "export"};
  std::string run_dir, out_dir, merged_dir, dtype = "fp32";
  bool merged = false, adapter = false, onnx = false;
  auto* run_opt = app.add_option("--run", run_dir, "the run's output dir (training.output_dir)");
  auto* out_opt = app.add_option("--out", out_dir, "where to write merged/ and adapter/");
  app.add_flag("--merged", merged, "write the merged Hugging Face dir (the default without --adapter)");
  app.add_flag("--adapter", adapter, "write the PEFT adapter dir (LoRA runs)");
  app.add_flag("--onnx", onnx, "also write model.onnx into the merged dir (implies --merged)");
  auto* merged_dir_opt =
      app.add_option("--merged-dir", merged_dir,
                     "with --onnx: an exported merged dir to add model.onnx to (instead of --run/--out)");
  app.add_option("--dtype", dtype, "weights dtype of the written files")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "bf16"}));
  merged_dir_opt->excludes(run_opt)->excludes(out_opt);
  app.footer(
      "Examples: export --run runs/tiny_lora --out /tmp/tiny_export --merged --adapter\n"
      "          export --run runs/tiny_lora --out /tmp/tiny_export --onnx\n"
      "          export --onnx --merged-dir /tmp/tiny_export/merged");
  parse(app, argc, argv);
  if (!merged_dir.empty()) {
    if (!onnx) throw InputError("--merged-dir goes with --onnx (see export --help)");
    if (merged || adapter) throw InputError("--merged-dir adds model.onnx only: drop --merged/--adapter");
    report_onnx(inference::write_onnx_for_dir(merged_dir));
    return 0;
  }
  if (run_dir.empty() || out_dir.empty())
    throw InputError("--run and --out are required (or --onnx --merged-dir DIR; see export --help)");
  if (onnx) merged = true;
  if (!merged && !adapter) merged = true;
  trainer::export_from_run(run_dir, out_dir, merged, adapter,
                           dtype == "bf16" ? torch::kBFloat16 : torch::kFloat);
  if (onnx) report_onnx(inference::write_onnx_for_dir(std::filesystem::path(out_dir) / "merged"));
  return 0;
}

}  // namespace attune::cli
