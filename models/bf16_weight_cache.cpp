#include "models/bf16_weight_cache.h"

#include "models/linear.h"

namespace attune::models {

namespace {
// Generations of cached copies: unique in the process, so a number stands for one copy's values.
uint64_t next_generation() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}
}  // namespace

SourceStamp::SourceStamp(const torch::Tensor& t)
    : storage_(t.storage()), data_(t.data_ptr()), version_(t._version()), sizes_(t.sizes().vec()) {}

bool SourceStamp::matches(const torch::Tensor& t) const {
  return storage_ && t.defined() && t.storage().unsafeGetStorageImpl() == storage_.unsafeGetStorageImpl() &&
         t.data_ptr() == data_ && t._version() == version_ && t.sizes() == c10::IntArrayRef(sizes_);
}

void Bf16WeightCache::refresh_weight_stamps(const LinearAdapter* fold) {
  const auto inputs = fold ? fold->fold_inputs() : std::vector<torch::Tensor>{};
  auto key = fold ? fold->fold_key() : std::vector<uint64_t>{};
  bool current = weight_generation_ != 0 && weight_stamp_.matches(weight_) && folded_ == (fold != nullptr) &&
                 fold_key_ == key && fold_input_stamps_.size() == inputs.size();
  for (size_t i = 0; current && i < inputs.size(); ++i) current = fold_input_stamps_[i].matches(inputs[i]);
  if (current) return;
  bf16_weight_.reset();  // the old copies go before new ones are made
  packed_.reset();
  has_packed_ = false;
  weight_stamp_ = SourceStamp(weight_);
  folded_ = fold != nullptr;
  fold_input_stamps_.clear();
  for (const auto& t : inputs) fold_input_stamps_.emplace_back(t);
  fold_key_ = std::move(key);
  weight_generation_ = next_generation();
}

void Bf16WeightCache::refresh_bias() {
  if (!bias_.defined() || (bf16_bias_.defined() && bias_stamp_.matches(bias_))) return;
  torch::NoGradGuard no_grad;
  bf16_bias_ = bias_.to(torch::kBFloat16);
  bias_stamp_ = SourceStamp(bias_);
  bias_generation_ = next_generation();
}

torch::Tensor Bf16WeightCache::plain_weight(const LinearAdapter* fold) {
  refresh_weight_stamps(fold);
  if (!bf16_weight_.defined()) {
    torch::NoGradGuard no_grad;
    // Folded: peft::merge_lora's arithmetic (fp32 W + D, in W's dtype), then autocast's cast.
    bf16_weight_ = fold ? (weight_.to(torch::kFloat) + fold->weight_delta())
                              .to(weight_.scalar_type())
                              .to(torch::kBFloat16)
                        : weight_.to(torch::kBFloat16);
  }
  return bf16_weight_;
}

torch::Tensor Bf16WeightCache::weight(const LinearAdapter* fold) {
  std::lock_guard<std::mutex> lock(mutex_);
  return plain_weight(fold);
}

torch::Tensor Bf16WeightCache::bias() {
  if (!bias_.defined()) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_bias();
  return bf16_bias_;
}

std::array<uint64_t, 2> Bf16WeightCache::version(const LinearAdapter* fold) {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_weight_stamps(fold);
  refresh_bias();
  return {weight_generation_, bias_generation_};
}

std::shared_ptr<const PackedBf16Linear> Bf16WeightCache::packed(const LinearAdapter* fold) {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_weight_stamps(fold);
  refresh_bias();
  const std::array<uint64_t, 2> now{weight_generation_, bias_generation_};
  if (!packed_ || packed_generations_ != now) {
    packed_.reset();
    packed_ = std::make_shared<const PackedBf16Linear>(plain_weight(fold), bf16_bias_);
    packed_generations_ = now;
    has_packed_ = true;
    bf16_weight_.reset();
  }
  return packed_;
}

void Bf16WeightCache::release_weight() {
  std::lock_guard<std::mutex> lock(mutex_);
  bf16_weight_.reset();
}

void Bf16WeightCache::release_packed() {
  if (!has_packed_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  packed_.reset();
  has_packed_ = false;
}

}  // namespace attune::models
