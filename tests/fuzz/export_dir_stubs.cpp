// Link-time stand-ins for the model and adapter functions that inference/export_dir.cpp calls outside its
// attune.json reader (the exports and load_model_dir). fuzz_export_files compiles export_dir.cpp whole but
// never reaches them, and the model code behind them (the encoders, safetensors, LoRA injection) is not
// what it fuzzes. Each aborts if it is ever called; a changed signature fails the link, not silently.
#include <cstdlib>

#include "models/model_factory.h"
#include "models/resolve.h"
#include "peft/adapter_io.h"
#include "peft/merge.h"

namespace attune::models {

std::shared_ptr<SequenceClassifier> load_model(const std::filesystem::path&, LoadReport*, int64_t, uint64_t) {
  std::abort();
}
void save_model(SequenceClassifier&, const std::filesystem::path&, torch::ScalarType) {
  std::abort();
}
Resolution resolve_model_dir(const std::string&) {
  std::abort();
}
std::string not_found_message(const std::string&, const Resolution&) {
  std::abort();
}

}  // namespace attune::models

namespace attune::peft {

void save_adapter(const std::filesystem::path&, torch::nn::Module&, const LoraInfo&,
                  std::optional<torch::Dtype>) {
  std::abort();
}
bool is_adapter_dir(const std::filesystem::path&) {
  std::abort();
}
LoraInfo load_adapter(const std::filesystem::path&, models::SequenceClassifier&, bool) {
  std::abort();
}
int merge_and_unload(torch::nn::Module&) {
  std::abort();
}

}  // namespace attune::peft
