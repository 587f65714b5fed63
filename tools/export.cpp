// export: a finished (or interrupted) run's output dir -> a merged Hugging Face dir and/or a PEFT adapter
// dir. The model is rebuilt from the run's resolved_config.yaml exactly as `train` built it, then the best
// trainable weights of its checkpoint are loaded.
#include <iostream>

#include "base/errors.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/omp_wait.h"
#include "trainer/run.h"

namespace attune::cli {

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  CLI::App app{
      "Export a training run: rebuild its model from <run>/resolved_config.yaml, load the best trainable\n"
      "weights of <run>/checkpoint (best.safetensors; the last weights when the run kept no best), and\n"
      "write <out>/merged (config.json with id2label, model.safetensors, tokenizer files, attune.json)\n"
      "and/or <out>/adapter (adapter_config.json + adapter_model.safetensors; LoRA runs only). A\n"
      "random-init backbone's adapter also gets <out>/base, which the adapter names.",
      "export"};
  std::string run_dir, out_dir, dtype = "fp32";
  bool merged = false, adapter = false;
  app.add_option("--run", run_dir, "the run's output dir (training.output_dir)")->required();
  app.add_option("--out", out_dir, "where to write merged/ and adapter/")->required();
  app.add_flag("--merged", merged, "write the merged Hugging Face dir (the default without --adapter)");
  app.add_flag("--adapter", adapter, "write the PEFT adapter dir (LoRA runs)");
  app.add_option("--dtype", dtype, "weights dtype of the written files")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "bf16"}));
  app.footer("Example: export --run runs/tiny_lora --out /tmp/tiny_export --merged --adapter");
  parse(app, argc, argv);
  if (!merged && !adapter) merged = true;
  trainer::export_from_run(run_dir, out_dir, merged, adapter,
                           dtype == "bf16" ? torch::kBFloat16 : torch::kFloat);
  return 0;
}

}  // namespace attune::cli
