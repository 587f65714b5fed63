// DeBERTa-v2/v3 disentangled self-attention and its relative positions
// (transformers/models/deberta_v2/modeling_deberta_v2.py: make_log_bucket_position, build_relative_position,
// DisentangledSelfAttention; transformers 4.49, after the Nov-2024 refactor).
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "models/hf_config.h"
#include "models/linear.h"

namespace attune::models {

// relative_pos: [...] int64 -> [...] int64. Distances with |d| < bucket_size/2 stay as they are, longer ones
// are squeezed logarithmically so that max_position maps to about bucket_size/2 + (bucket_size/2 - 1).
torch::Tensor make_log_bucket_position(const torch::Tensor& relative_pos, int64_t bucket_size,
                                       int64_t max_position);

// rel[q, k] = q - k (log-bucketed when bucket_size > 0 and max_position > 0): [query_len, key_len] int64.
torch::Tensor build_relative_position(int64_t query_len, int64_t key_len, int64_t bucket_size,
                                      int64_t max_position);

// The relative-position gather indices every layer of one forward shares (built once per forward).
// Only rows [first_row, first_row + num_rows) of rel_embeddings[0 : 2*att_span] are ever referenced for this
// length, so the position projections are computed for those rows alone (same numbers, fewer FLOPs).
struct RelativePositions {
  torch::Tensor c2p_index;  // [T, T] int64: row of the sliced position table for query i, key j
  torch::Tensor p2c_index;  // [T(key), T(query)] int64: row for key j, query i (HF's p2c_pos)
  int64_t first_row = 0;
  int64_t num_rows = 0;
};

// The DeBERTa relative-position settings of a config, with HF's fallbacks applied.
struct RelativeSettings {
  bool relative_attention = false;
  int64_t position_buckets = -1;       // > 0: log buckets
  int64_t max_relative_positions = 0;  // < 1 in the config means max_position_embeddings
  int64_t att_span = 0;                // position_buckets if > 0, else max_relative_positions
  bool c2p = false, p2c = false;       // from pos_att_type
  bool share_att_key = false;
};
RelativeSettings relative_settings(const HFConfig& config);

// Indices for a sequence of length T (query length == key length, as in self-attention).
RelativePositions build_relative_positions(int64_t T, const RelativeSettings& settings);

// Mirrors DisentangledSelfAttention (state_dict: <layer>.attention.self.*).
struct DisentangledSelfAttentionImpl : torch::nn::Module {
  explicit DisentangledSelfAttentionImpl(const HFConfig& config);

  // hidden: [B, T, H]; mask: [B, 1, T, T] bool (true = may attend); rel: from build_relative_positions(T);
  // rel_embeddings: [rel.num_rows, H] (normed rows of the encoder's table, already sliced), undefined when
  // relative_attention is off. Returns context [B, T, heads*head_dim] and, when output_attentions, the
  // probabilities [B, heads, T, T] (else undefined).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden, const torch::Tensor& mask,
                                                  const RelativePositions& rel,
                                                  const torch::Tensor& rel_embeddings,
                                                  bool output_attentions);

  int64_t num_heads, head_dim;
  int64_t scale_factor;  // 1 + number of position attention types
  RelativeSettings settings;
  double attention_dropout, hidden_dropout;
  Linear query_proj{nullptr}, key_proj{nullptr}, value_proj{nullptr};
  Linear pos_key_proj{nullptr}, pos_query_proj{nullptr};  // only without share_att_key

 private:
  FusedLinears qkv_;  // query_proj, key_proj and value_proj as one product where no gradient is taken
  // x: [B, T, heads*head_dim] -> [B, heads, T, head_dim]
  torch::Tensor split_heads(const torch::Tensor& x) const;
  // c2p + p2c bias. q, k: [B, heads, T, head_dim]; rel_embeddings: [R, H] -> [B, heads, T, T] (undefined:
  // none)
  torch::Tensor disentangled_bias(const torch::Tensor& q, const torch::Tensor& k,
                                  const RelativePositions& rel, const torch::Tensor& rel_embeddings);
};
TORCH_MODULE(DisentangledSelfAttention);

}  // namespace attune::models
