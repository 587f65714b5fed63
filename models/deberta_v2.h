// DebertaV2ForSequenceClassification (transformers/models/deberta_v2/modeling_deberta_v2.py).
#pragma once

#include <memory>

#include "models/encoder.h"

namespace attune::models {

// A DeBERTa-v2/v3 sequence classifier for `config` (model_type "deberta-v2"), HF's init, not loaded.
std::shared_ptr<SequenceClassifier> make_deberta_v2(const HFConfig& config);

}  // namespace attune::models
