#include "trainer/pretrain/mlm_masking.h"

#include <algorithm>
#include <string>

#include "base/errors.h"
#include "data/generator/rng.h"

namespace attune::trainer {

std::uint64_t masking_seed(std::uint64_t run_seed, std::int64_t epoch, std::int64_t batch) {
  std::uint64_t state = data::gen::stream_seed(run_seed, "mlm-masking");
  state ^= static_cast<std::uint64_t>(epoch) * 0x9E3779B97F4A7C15ULL;
  data::gen::splitmix64(state);
  state ^= static_cast<std::uint64_t>(batch);
  return data::gen::splitmix64(state);
}

MaskedBatch mask_tokens(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const MaskingSpec& spec, std::uint64_t seed) {
  if (spec.mask_id < 0) throw InputError("masked-LM pretraining needs a tokenizer with a mask token");
  if (spec.vocab_size <= 0) throw InputError("masked-LM pretraining needs the vocabulary size");
  auto ids = input_ids.contiguous().clone();  // [B, T]
  const auto mask = attention_mask.contiguous();
  auto* id = ids.data_ptr<int64_t>();
  const auto* m = mask.data_ptr<int64_t>();
  const int64_t n = ids.numel();
  auto special = spec.special_ids;
  std::sort(special.begin(), special.end());
  auto is_special = [&](int64_t v) { return std::binary_search(special.begin(), special.end(), v); };

  data::gen::Rng rng(seed);
  // Selection threshold on 53-bit uniforms.
  auto uniform = [&]() { return static_cast<double>(rng.next() >> 11) * (1.0 / 9007199254740992.0); };
  std::vector<int64_t> positions, targets, candidates;
  for (int64_t i = 0; i < n; ++i) {
    if (m[i] == 0 || is_special(id[i])) continue;
    candidates.push_back(i);
    if (uniform() < spec.probability) positions.push_back(i);
  }
  if (positions.empty() && !candidates.empty()) positions.push_back(candidates[rng.below(candidates.size())]);
  for (const int64_t p : positions) {
    targets.push_back(id[p]);
    const double r = uniform();
    if (r < 0.8) {
      id[p] = spec.mask_id;
    } else if (r < 0.9) {
      int64_t replacement = 0;
      do {
        replacement = static_cast<int64_t>(rng.below(static_cast<std::uint64_t>(spec.vocab_size)));
      } while (is_special(replacement) || replacement == spec.mask_id);
      id[p] = replacement;
    }  // else: kept
  }
  return {ids, torch::tensor(positions, torch::kInt64), torch::tensor(targets, torch::kInt64)};
}

}  // namespace attune::trainer
