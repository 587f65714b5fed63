// evaluate: the test report (confusion matrix + scikit-learn classification report) of any exported
// model dir — merged Hugging Face dir or PEFT adapter dir — on a labeled CSV.
#include <iostream>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/csv.h"
#include "data/labeled_split.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "inference/operating_point_report.h"
#include "inference/report.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/omp_wait.h"

namespace attune::cli {

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  CLI::App app{
      "Evaluate an exported detector (a merged Hugging Face dir or a PEFT adapter dir) on a labeled CSV:\n"
      "confusion matrix (rows actual, columns predicted), classification report, loss, samples/s.\n"
      "The model's recorded preprocessing (lower-casing, max_length) and temperature are applied; where it\n"
      "records an operating point, the report at that point (and by threshold) follows the argmax one.",
      "evaluate"};
  std::string model_dir, data_file, json_file, text_column = "text", label_column = "label",
                                               count_column = "count";
  int64_t batch_size = 64;
  int threads = 0;
  bool fp32 = false, bf16 = false, no_operating_point = false;
  app.add_option("--model", model_dir, "exported model dir (merged or adapter)")->required();
  app.add_option("--data", data_file, "labeled CSV (header with the text and label columns)")->required();
  app.add_option("--json", json_file, "also write the report as JSON to this file");
  app.add_option("--text-column", text_column, "text column name")->capture_default_str();
  app.add_option("--label-column", label_column, "label column name")->capture_default_str();
  app.add_option("--count-column", count_column, "optional sample-weight column")->capture_default_str();
  app.add_option("--batch-size", batch_size, "rows per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--threads", threads, "torch threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  auto* fp32_flag =
      app.add_flag("--fp32", fp32, "run in fp32 (default: the precision the run recorded, else bf16)");
  app.add_flag("--bf16", bf16, "run under bf16 autocast")->excludes(fp32_flag);
  app.add_flag("--no-operating-point", no_operating_point,
               "report argmax only, ignoring the operating point recorded in attune.json");
  app.footer(
      "Example: evaluate --model runs/roberta_lora_4class/export/merged --data "
      "data/generated/4class/test.csv");
  parse(app, argc, argv);
  models::apply_thread_policy(threads);

  const auto loaded = inference::load_model_dir(model_dir);

  for (const auto& note : loaded.notes) std::cerr << "evaluate: note: " << note << "\n";
  data::ExampleColumns columns;
  columns.text = text_column;
  columns.label = label_column;
  columns.count = count_column;
  const auto split = data::load_split("data", data_file, columns, loaded.labels, *loaded.tokenizer,
                                      loaded.preprocessing.max_length);
  // The precision of the run's own test report (attune.json), so the numbers reproduce it.
  const bool use_bf16 = bf16 || (!fp32 && loaded.preprocessing.bf16.value_or(true));
  const auto& pre = loaded.preprocessing;
  const auto settings = inference::inference_settings(loaded, batch_size, use_bf16);
  inference::Predictions predictions;
  const auto result =
      inference::evaluate(*loaded.model, split.rows, loaded.labels.labels(), settings, &predictions);
  std::cout << "model: " << model_dir
            << (loaded.is_adapter ? " (adapter on " + loaded.base_dir.string() + ")" : "")
            << "\ndata: " << data_file << "\n"
            << inference::report_text(result);
  auto json = inference::report_json(result);
  if (pre.operating_point && !no_operating_point) {
    const auto op = inference::operating_point_report(
        predictions, split.rows.labels, inference::metric_weights(split.rows), loaded.labels.labels(),
        *pre.operating_point, pre.temperature);
    std::cout << "\n" << inference::operating_point_text(op);
    json["operating_point"] = inference::operating_point_json(op);
  }
  if (!json_file.empty()) write_file_atomic(json_file, json.dump(2) + "\n");
  return 0;
}

}  // namespace attune::cli
