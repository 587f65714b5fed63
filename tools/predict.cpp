// predict: labels, scores and probabilities of an exported detector (merged Hugging Face dir or PEFT
// adapter dir) for texts given as arguments, in a file, or on standard input.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <iterator>

#include "data/csv.h"
#include "data/errors.h"
#include "tools/cli/cli_main.h"
#include "trainer/evaluation.h"
#include "trainer/inputs.h"
#include "trainer/model_dir.h"
#include "trainer/prediction_output.h"

namespace attune::cli {

namespace {

// Texts tokenized, scored and written per round, so output flows and memory stays bounded.
constexpr std::size_t kTextsPerRound = 4096;
// Single-text forward passes run before --latency starts timing.
constexpr int kLatencyWarmup = 3;

std::string read_stdin() {
  std::cin.unsetf(std::ios::skipws);
  return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// Times N single-text predictions (tokenize + forward) and prints p50/p99/mean milliseconds.
void measure_latency(const trainer::LoadedModel& loaded, const std::string& text, int runs,
                     const trainer::InferenceSettings& settings) {
  std::vector<double> ms;
  for (int i = -kLatencyWarmup; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto ids = loaded.tokenizer->encode_batch({text}, /*add_special_tokens=*/true,
                                                    loaded.preprocessing.max_length, /*num_threads=*/1);
    trainer::predict(*loaded.model, ids, settings);
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    if (i >= 0) ms.push_back(elapsed.count());
  }
  double mean = 0;
  for (double v : ms) mean += v / static_cast<double>(ms.size());
  std::printf("latency over %d single-text predictions: p50 %.3f ms, p99 %.3f ms, mean %.3f ms\n", runs,
              percentile(ms, 0.5), percentile(ms, 0.99), mean);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "Label texts with an exported detector (a merged Hugging Face dir or a PEFT adapter dir).\n"
      "Texts come from --text (repeatable), --input FILE, or standard input (one text a line). FILE may be\n"
      "plain lines, CSV (--column) or JSON lines (--field, a dotted path such as process.command_line).\n"
      "Bad lines are reported on stderr with their line number and skipped (--on-error skip) or end the\n"
      "run with exit 2 (--on-error fail). The model's recorded preprocessing is applied.",
      "predict"};
  std::string model_dir, input_file, input_format, column = "text", field = "text", format = "table",
                                                   on_error = "skip";
  std::vector<std::string> texts;
  int64_t batch_size = 64;
  int threads = 0, latency = 0;
  bool fp32 = false, logits = false;
  app.add_option("--model", model_dir, "exported model dir (merged or adapter)")->required();
  auto* text_opt = app.add_option("--text", texts, "a text to label (repeatable)");
  app.add_option("--input", input_file, "file of texts ('-': standard input, the default without --text)")
      ->excludes(text_opt);
  app.add_option("--input-format", input_format,
                 "lines, csv or jsonl (default: from the extension, else lines)");
  app.add_option("--column", column, "CSV: the text column")->capture_default_str();
  app.add_option("--field", field, "JSON lines: dotted path of the text field")->capture_default_str();
  app.add_option("--format", format, "output: table, json (JSON lines) or csv")->capture_default_str();
  app.add_flag("--logits", logits, "also write the logits (json, csv)");
  app.add_option("--on-error", on_error, "bad input lines: skip (reported) or fail (exit 2)")
      ->capture_default_str();
  app.add_option("--batch-size", batch_size, "texts per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--threads", threads, "torch threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--fp32", fp32, "run in fp32 instead of bf16 autocast");
  app.add_option("--latency", latency, "time N single-text predictions of the first text; print p50/p99 ms")
      ->check(CLI::Range(1, 1000000));
  app.footer(
      "Examples:\n"
      "  predict --model runs/x/export/merged --text 'reg save HKLM\\SAM sam.hive'\n"
      "  predict --model runs/x/export/adapter --input sysmon.jsonl --field process.command_line --format "
      "json");
  parse(app, argc, argv);
  const auto output_format = trainer::parse_output_format(format);
  trainer::InputOptions options;
  options.on_error = trainer::parse_on_error(on_error);
  options.column = column;
  options.field = field;

  // Read and check every input before loading the model, so a bad file fails fast.
  trainer::InputTexts inputs;
  std::string origin = "--text";
  if (!texts.empty()) {
    inputs = trainer::texts_from_arguments(texts, options.on_error);
  } else {
    const bool from_stdin = input_file.empty() || input_file == "-";
    origin = from_stdin ? "<stdin>" : input_file;
    options.format = !input_format.empty() ? trainer::parse_input_format(input_format)
                     : from_stdin          ? trainer::InputFormat::kLines
                                           : trainer::infer_input_format(input_file);
    const auto content = from_stdin ? read_stdin() : data::read_text_file(input_file);
    inputs = trainer::parse_inputs(content, origin, options);
  }
  for (const auto& issue : inputs.skipped)
    std::cerr << at_line(origin, issue.line, issue.message) << " (skipped)\n";

  if (threads > 0) torch::set_num_threads(threads);
  const auto loaded = trainer::load_model_dir(model_dir);
  const trainer::InferenceSettings settings{batch_size, loaded.tokenizer->pad_id(), !fp32};
  if (latency > 0) {
    if (inputs.texts.empty()) throw InputError("--latency needs a text (--text, --input or standard input)");
    measure_latency(loaded, inputs.texts.front().text, latency, settings);
    return 0;
  }

  trainer::PredictionWriter writer(std::cout, output_format, loaded.labels.labels(), logits);
  for (std::size_t start = 0; start < inputs.texts.size(); start += kTextsPerRound) {
    const auto end = std::min(inputs.texts.size(), start + kTextsPerRound);
    const std::vector<trainer::InputText> round(inputs.texts.begin() + static_cast<std::ptrdiff_t>(start),
                                                inputs.texts.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<std::string> round_texts;
    for (const auto& t : round) round_texts.push_back(t.text);
    const auto ids = loaded.tokenizer->encode_batch(round_texts, /*add_special_tokens=*/true,
                                                    loaded.preprocessing.max_length, threads);
    writer.write(trainer::scored_texts(trainer::predict(*loaded.model, ids, settings), round));
  }
  writer.finish();
  if (!inputs.skipped.empty())
    std::cerr << "skipped " << inputs.skipped.size() << " bad line" << (inputs.skipped.size() == 1 ? "" : "s")
              << " of " << origin << " (" << inputs.texts.size() << " labeled)\n";
  return 0;
}

}  // namespace attune::cli
