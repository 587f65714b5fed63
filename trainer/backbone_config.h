// The Hugging Face config of an encoder built from scratch (model.random_init): sized by the config and
// the tokenizer. DeBERTa is built with DeBERTa-v3's settings (relative attention with 256 log buckets,
// shared keys, p2c|c2p, no absolute positions), the variant attune's configs and embedded backbone use.
#pragma once

#include <cstdint>

#include "data/tokenizers/tokenizer.h"
#include "models/hf_config.h"
#include "trainer/config.h"

namespace attune::trainer {

models::HFConfig random_init_hf_config(const RandomInitConfig& random_init, const data::Tokenizer& tokenizer,
                                       int64_t max_length);

// DeBERTa-v3-base's attention and embedding settings on a deberta-v2 config.
void apply_deberta_v3_settings(models::HFConfig& config);

}  // namespace attune::trainer
