// A pretrain config for an embedded roberta-compact small enough for tests: hidden 32, one layer, four
// steps on 400 generated lines with a 350-id BPE vocabulary (about a second on one thread). Tests point
// ATTUNE_EMBEDDED_CONFIGS at a folder holding it as roberta-compact.yaml.
#pragma once

namespace attune::testing {

inline constexpr const char* kTinyRobertaCompactYaml =
    "model:\n"
    "  random_init: {model_type: roberta, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2,\n"
    "                intermediate_size: 64, max_position_embeddings: 66}\n"
    "  max_length: 48\n  num_threads: 1\n"
    "training: {seed: 1, max_steps: 4, per_device_train_batch_size: 8, bf16: false}\n"
    "pretrain:\n  corpus: {generated_rows: 400, seed: 2}\n  tokenizer: {train: bpe, vocab_size: 350}\n";

}  // namespace attune::testing
