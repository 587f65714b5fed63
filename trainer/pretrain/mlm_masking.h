// Dynamic masking for masked-language-model pretraining, as Hugging Face's
// DataCollatorForLanguageModeling does it: each real, non-special token is selected with probability
// mlm_probability; a selected token becomes [MASK] 80 % of the time, a random token 10 %, and stays as it
// is 10 %. The loss is taken at the selected positions only. Masks are drawn from a seed (the run's seed,
// the epoch and the batch), so a new epoch sees new masks and a resumed run sees the same ones.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace attune::trainer {

struct MaskingSpec {
  double probability = 0.15;
  std::int64_t mask_id = -1;
  std::int64_t vocab_size = 0;            // random replacements are drawn from [0, vocab_size)
  std::vector<std::int64_t> special_ids;  // never selected and never drawn as a random replacement
};

struct MaskedBatch {
  torch::Tensor input_ids;  // [B, T] with the selected tokens replaced
  torch::Tensor positions;  // [N] int64 flat indices (b * T + t) of the selected tokens, ascending
  torch::Tensor targets;    // [N] int64 the original ids there
};

// input_ids, attention_mask: [B, T] int64 CPU. At least one token is selected when the batch has any
// real non-special token. Throws InputError for a spec without a mask id or vocabulary.
MaskedBatch mask_tokens(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const MaskingSpec& spec, std::uint64_t seed);

// The seed of one batch's masks.
std::uint64_t masking_seed(std::uint64_t run_seed, std::int64_t epoch, std::int64_t batch);

}  // namespace attune::trainer
