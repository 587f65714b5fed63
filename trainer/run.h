// `train`'s whole run: backbone, tokenizer, data, PEFT, the training loop, export, and the test report.
#pragma once

#include "trainer/config.h"

namespace attune::trainer {

// Runs the experiment a validated config describes. Writes into training.output_dir: metrics.jsonl,
// the checkpoint, test_report.{json,txt} (and stress_report.* with data.stress_file), run_summary.json,
// and the export dirs. InputError for bad input, std::runtime_error for anything else.
void run_training(const Config& config);

}  // namespace attune::trainer
