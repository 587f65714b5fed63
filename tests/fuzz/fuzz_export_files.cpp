// libFuzzer target: the export dir's own JSON files, read as evaluate, predict and serve read an exported
// dir. The first byte picks the file (and is dropped; the rest is its content):
//   even  attune.json          inference::read_preprocessing (Preprocessing::from_json, OperatingPoint)
//   odd   adapter_config.json  peft::load_lora_config (lora_config_from_json, ModuleSelector)
// Reading gives the values or an InputError naming the file, nothing else. Accepted values keep what the
// readers check (max_length >= 3, a finite temperature > 0, an operating point whose benign label is among
// the labels; a LoRA config that validates), and survive the exporter's write -> read unchanged.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "base/errors.h"
#include "inference/export_dir.h"
#include "peft/lora_config.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// A refusal must name the file it refuses.
void check_refusal(const attune::InputError& e, std::string_view file) {
  if (std::string_view(e.what()).find(file) == std::string_view::npos) std::abort();
}

void fuzz_attune_json(std::string_view content) {
  namespace inference = attune::inference;
  const auto& dir = attune::fuzz::scratch_dir();
  attune::fuzz::write_scratch(inference::kAttuneFile, content);
  inference::Preprocessing pre;
  try {
    pre = inference::read_preprocessing(dir);
  } catch (const attune::InputError& e) {
    check_refusal(e, inference::kAttuneFile);
    return;
  }
  if (pre.max_length < 3 || !std::isfinite(pre.temperature) || !(pre.temperature > 0)) std::abort();
  if (const auto& op = pre.operating_point) {
    if (!std::isfinite(op->threshold)) std::abort();
    if (op->benign_id < 0 || op->benign_id >= static_cast<int64_t>(pre.labels.size())) std::abort();
    if (pre.labels[static_cast<std::size_t>(op->benign_id)] != op->benign_label) std::abort();
  }
  // What export writes from these values reads back as the same values.
  const nlohmann::json written = pre.to_json();
  inference::write_preprocessing(dir, pre);
  if (inference::read_preprocessing(dir).to_json() != written) std::abort();
}

void fuzz_adapter_config(std::string_view content) {
  namespace peft = attune::peft;
  const std::string file = attune::fuzz::write_scratch("adapter_config.json", content).string();
  peft::LoraConfig config;
  try {
    config = peft::load_lora_config(file);
  } catch (const attune::InputError& e) {
    check_refusal(e, "adapter_config.json");
    return;
  }
  config.validate();  // an InputError here is a config the reader should have refused: it escapes, aborting
  // What export writes from this config (save_adapter: lora_config_to_json) reads back as the same config.
  const nlohmann::json written = peft::lora_config_to_json(config);
  std::ofstream(file, std::ios::trunc) << written.dump(2) << "\n";
  if (peft::lora_config_to_json(peft::load_lora_config(file)) != written) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view content(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    fuzz_attune_json(content);
  } else {
    fuzz_adapter_config(content);
  }
  return 0;
}
