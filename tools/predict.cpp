// predict: labels, scores and probabilities of an exported detector (merged Hugging Face dir or PEFT
// adapter dir) for texts given as arguments, in a file, or on standard input.
#include <algorithm>
#include <iostream>
#include <iterator>
#include <optional>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/csv.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "inference/inputs.h"
#include "inference/prediction_output.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/omp_wait.h"

namespace attune::cli {

namespace {

// Texts tokenized, scored and written per round, so output flows and memory stays bounded.
constexpr std::size_t kTextsPerRound = 4096;

std::string read_stdin() {
  std::cin.unsetf(std::ios::skipws);
  return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

}  // namespace

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  CLI::App app{
      "Label texts with an exported detector (a merged Hugging Face dir or a PEFT adapter dir).\n"
      "Texts come from --text (repeatable), --input FILE, or standard input (one text a line). FILE may be\n"
      "plain lines, CSV (--column), JSON lines (--field, a dotted path such as process.command_line) or a\n"
      "Linux audit log (--input-format auditd: each event's command line from its EXECVE / PROCTITLE\n"
      "records, hex values decoded; the line of that record is the line reported).\n"
      "Bad lines are reported on stderr with their line number and skipped (--on-error skip) or end the\n"
      "run with exit 2 (--on-error fail). The model's recorded preprocessing and temperature are applied,\n"
      "and its operating point where it records one: Benign unless 1 - p(Benign) reaches the threshold.",
      "predict"};
  std::string model_dir, input_file, input_format, column = "text", field = "text", format = "table",
                                                   on_error = "skip";
  std::vector<std::string> texts;
  int64_t batch_size = 64;
  int threads = 0;
  bool fp32 = false, logits = false, no_operating_point = false;
  app.add_option("--model", model_dir, "exported model dir (merged or adapter)")->required();
  auto* text_opt = app.add_option("--text", texts, "a text to label (repeatable)");
  app.add_option("--input", input_file, "file of texts ('-': standard input, the default without --text)")
      ->excludes(text_opt);
  app.add_option(
      "--input-format", input_format,
      "lines, csv, jsonl or auditd (default: from the extension, auditd for audit.log*, else lines)");
  app.add_option("--column", column, "CSV: the text column")->capture_default_str();
  app.add_option("--field", field, "JSON lines: dotted path of the text field")->capture_default_str();
  app.add_option("--format", format, "output: table, json (JSON lines) or csv")->capture_default_str();
  app.add_flag("--logits", logits, "also write the logits (json, csv)");
  app.add_option("--on-error", on_error, "bad input lines: skip (reported) or fail (exit 2)")
      ->capture_default_str();
  app.add_option("--batch-size", batch_size, "texts per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option(
         "--threads", threads,
         "torch intra-op threads (0: the CPUs this process may use; one for a model of hidden size < 512)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--fp32", fp32, "run in fp32 instead of bf16 autocast");
  app.add_flag("--no-operating-point", no_operating_point,
               "label by argmax, ignoring the operating point recorded in attune.json");
  app.footer(
      "Examples:\n"
      "  predict --model runs/x/export/merged --text 'reg save HKLM\\SAM sam.hive'\n"
      "  predict --model runs/x/export/adapter --input sysmon.jsonl --field process.command_line --format "
      "json\n"
      "  predict --model runs/x/export/merged --input /var/log/audit/audit.log --format json");
  parse(app, argc, argv);
  const auto output_format = inference::parse_output_format(format);
  inference::InputOptions options;
  options.on_error = inference::parse_on_error(on_error);
  options.column = column;
  options.field = field;

  // Read and check every input before loading the model, so a bad file fails fast.
  const auto named_format = input_format.empty() ? std::optional<inference::InputFormat>()
                                                 : inference::parse_input_format(input_format);
  inference::InputTexts inputs;
  std::string origin = "--text";
  if (!texts.empty()) {
    inputs = inference::texts_from_arguments(texts, options.on_error);
  } else {
    const bool from_stdin = input_file.empty() || input_file == "-";
    origin = from_stdin ? "<stdin>" : input_file;
    options.format = named_format ? *named_format
                     : from_stdin ? inference::InputFormat::kLines
                                  : inference::infer_input_format(input_file);
    const auto content = from_stdin ? read_stdin() : read_text_file(input_file);
    inputs = inference::parse_inputs(content, origin, options);
  }
  for (const auto& issue : inputs.skipped)
    std::cerr << at_line(origin, issue.line, issue.message) << " (skipped)\n";

  models::apply_thread_policy(threads);
  auto loaded = inference::load_model_dir(model_dir);
  for (const auto& note : loaded.notes) std::cerr << "predict: note: " << note << "\n";
  if (no_operating_point) loaded.preprocessing.operating_point.reset();
  const auto& op = loaded.preprocessing.operating_point;
  // --threads 0: a small model answers faster on one thread (models/threads.h).
  models::settle_auto_threads(threads, static_cast<int>(loaded.model->config.hidden_size));
  const auto settings = inference::inference_settings(loaded, batch_size, !fp32);
  inference::PredictionWriter writer(std::cout, output_format, loaded.labels.labels(), logits, op);
  for (std::size_t start = 0; start < inputs.texts.size(); start += kTextsPerRound) {
    const auto end = std::min(inputs.texts.size(), start + kTextsPerRound);
    const std::vector<inference::InputText> round(inputs.texts.begin() + static_cast<std::ptrdiff_t>(start),
                                                  inputs.texts.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<std::string> round_texts;
    for (const auto& t : round) round_texts.push_back(t.text);
    const auto ids = loaded.tokenizer->encode_batch(round_texts, /*add_special_tokens=*/true,
                                                    loaded.preprocessing.max_length, threads);
    auto predictions = inference::predict(*loaded.model, ids, settings);
    if (op) inference::apply_operating_point(predictions, *op);
    writer.write(inference::scored_texts(predictions, round));
  }
  writer.finish();
  if (!inputs.skipped.empty())
    std::cerr << "skipped " << inputs.skipped.size() << " bad line" << (inputs.skipped.size() == 1 ? "" : "s")
              << " of " << origin << " (" << inputs.texts.size() << " labeled)\n";
  return 0;
}

}  // namespace attune::cli
