#include "models/deberta_v2_attention.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <cmath>
#include <limits>

#include "base/errors.h"
#include "models/autocast.h"
#include "models/dropout.h"

namespace attune::models {
namespace {

// torch.finfo(dtype).min: what HF writes into masked attention scores.
double lowest_value(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kBFloat16:
      return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case torch::kHalf:
      return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case torch::kDouble:
      return std::numeric_limits<double>::lowest();
    default:
      return std::numeric_limits<float>::lowest();
  }
}

// HF's scaled_size_sqrt: sqrt(head_dim * scale_factor) computed in float32, as a 0-dim tensor of `like`'s
// dtype.
torch::Tensor scaled_size_sqrt(int64_t head_dim, int64_t scale_factor, const torch::Tensor& like) {
  const float scale = std::sqrt(static_cast<float>(head_dim) * static_cast<float>(scale_factor));
  return torch::scalar_tensor(scale, torch::TensorOptions().dtype(torch::kFloat)).to(like.dtype());
}

}  // namespace

torch::Tensor make_log_bucket_position(const torch::Tensor& relative_pos, int64_t bucket_size,
                                       int64_t max_position) {
  // The float32 arithmetic below follows HF's op for op: bucket boundaries are decided by a ceil().
  const auto sign = torch::sign(relative_pos);
  const int64_t mid = bucket_size / 2;
  const auto abs_pos =
      torch::where((relative_pos < mid) & (relative_pos > -mid),
                   torch::full({}, mid - 1, relative_pos.options()), torch::abs(relative_pos));
  const auto log_max = torch::log(
      torch::scalar_tensor(static_cast<double>(max_position - 1) / static_cast<double>(mid), torch::kFloat));
  const auto log_pos = torch::ceil(torch::log(abs_pos / mid) / log_max * (mid - 1)) + mid;
  return torch::where(abs_pos <= mid, relative_pos.to(log_pos.dtype()), log_pos * sign);
}

torch::Tensor build_relative_position(int64_t query_len, int64_t key_len, int64_t bucket_size,
                                      int64_t max_position) {
  const auto q_ids = torch::arange(query_len, torch::kLong);
  const auto k_ids = torch::arange(key_len, torch::kLong);
  auto rel = q_ids.unsqueeze(1) - k_ids.unsqueeze(0);  // [q, k]
  if (bucket_size > 0 && max_position > 0) rel = make_log_bucket_position(rel, bucket_size, max_position);
  return rel.to(torch::kLong);
}

RelativeSettings relative_settings(const HFConfig& config) {
  RelativeSettings s;
  s.relative_attention = config.relative_attention;
  s.share_att_key = config.share_att_key;
  for (const auto& type : config.pos_att_type) {
    if (type == "c2p") {
      s.c2p = true;
    } else if (type == "p2c") {
      s.p2c = true;
    } else {
      throw InputError("config.json: pos_att_type: unsupported entry '" + type +
                       "' for deberta-v2 (expected a list of \"c2p\" / \"p2c\", or \"p2c|c2p\")");
    }
  }
  s.position_buckets = config.position_buckets;
  s.max_relative_positions =
      config.max_relative_positions < 1 ? config.max_position_embeddings : config.max_relative_positions;
  s.att_span = s.position_buckets > 0 ? s.position_buckets : s.max_relative_positions;
  return s;
}

RelativePositions build_relative_positions(int64_t T, const RelativeSettings& settings) {
  RelativePositions out;
  const int64_t span = settings.att_span;
  const auto rel = build_relative_position(T, T, settings.position_buckets, settings.max_relative_positions);
  auto c2p = torch::clamp(rel + span, /*min=*/0, /*max=*/2 * span - 1);
  auto p2c = torch::clamp(-rel + span, /*min=*/0, /*max=*/2 * span - 1);
  const int64_t lo = std::min(c2p.min().item<int64_t>(), p2c.min().item<int64_t>());
  const int64_t hi = std::max(c2p.max().item<int64_t>(), p2c.max().item<int64_t>());
  out.c2p_index = c2p - lo;
  out.p2c_index = p2c - lo;
  out.first_row = lo;
  out.num_rows = hi - lo + 1;
  return out;
}

DisentangledSelfAttentionImpl::DisentangledSelfAttentionImpl(const HFConfig& config)
    : settings(relative_settings(config)),
      attention_dropout(config.attention_probs_dropout_prob),
      hidden_dropout(config.hidden_dropout_prob) {
  num_heads = config.num_attention_heads;
  if (num_heads <= 0 || config.hidden_size % num_heads != 0)
    throw InputError("config.json: hidden_size (" + std::to_string(config.hidden_size) +
                     ") must be a multiple of num_attention_heads (" + std::to_string(num_heads) + ")");
  head_dim = config.hidden_size / num_heads;
  if (config.raw.is_object() && config.raw.contains("attention_head_size") &&
      !config.raw["attention_head_size"].is_null()) {
    if (!config.raw["attention_head_size"].is_number_integer() ||
        config.raw["attention_head_size"].get<int64_t>() < 1)
      throw InputError("config.json: attention_head_size: expected a positive integer");
    head_dim = config.raw["attention_head_size"].get<int64_t>();
  }
  const int64_t all_head = num_heads * head_dim;
  query_proj = register_module("query_proj", Linear(config.hidden_size, all_head));
  key_proj = register_module("key_proj", Linear(config.hidden_size, all_head));
  value_proj = register_module("value_proj", Linear(config.hidden_size, all_head));
  scale_factor = 1 + (settings.c2p ? 1 : 0) + (settings.p2c ? 1 : 0);
  if (settings.relative_attention && !settings.share_att_key) {
    if (settings.c2p) pos_key_proj = register_module("pos_key_proj", Linear(config.hidden_size, all_head));
    if (settings.p2c)
      pos_query_proj = register_module("pos_query_proj", Linear(config.hidden_size, all_head));
  }
}

torch::Tensor DisentangledSelfAttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), num_heads, head_dim}).permute({0, 2, 1, 3});
}

std::pair<torch::Tensor, torch::Tensor> DisentangledSelfAttentionImpl::forward(
    const torch::Tensor& hidden, const torch::Tensor& mask, const RelativePositions& rel,
    const torch::Tensor& rel_embeddings, bool output_attentions) {
  const auto h = autocast_input(hidden);  // one bf16 cast for Q, K, V and their adapters
  auto qkv = qkv_.forward({query_proj.get(), key_proj.get(), value_proj.get()}, h);
  if (qkv.empty()) qkv = {query_proj(h), key_proj(h), value_proj(h)};
  const auto q = split_heads(qkv[0]);  // [B, heads, T, d]
  const auto k = split_heads(qkv[1]);  // [B, heads, T, d]
  const auto v = split_heads(qkv[2]);  // [B, heads, T, d]

  const auto scale = scaled_size_sqrt(head_dim, scale_factor, q);
  auto scores = torch::matmul(q, k.transpose(-1, -2) / scale);  // [B, heads, T, T]
  if (settings.relative_attention) {
    const auto pos = fast_dropout(rel_embeddings, hidden_dropout, is_training());
    const auto bias = disentangled_bias(q, k, rel, pos);  // [B, heads, T, T]
    if (bias.defined()) scores = scores + bias;
  }
  scores = scores.masked_fill(mask.logical_not(), lowest_value(q.scalar_type()));
  auto probs = torch::softmax(scores, /*dim=*/-1);  // [B, heads, T, T]
  const auto dropped = fast_dropout(probs, attention_dropout, is_training());
  auto context = torch::matmul(dropped, v);  // [B, heads, T, d]
  context = context.permute({0, 2, 1, 3}).reshape({hidden.size(0), hidden.size(1), num_heads * head_dim});
  return {context, output_attentions ? probs : torch::Tensor()};
}

torch::Tensor DisentangledSelfAttentionImpl::disentangled_bias(const torch::Tensor& q, const torch::Tensor& k,
                                                               const RelativePositions& rel,
                                                               const torch::Tensor& rel_embeddings) {
  const int64_t B = q.size(0), T = q.size(2), R = rel_embeddings.size(0);
  // rel_embeddings [R, H] through a projection -> [1, heads, R, d]
  auto project = [&](Linear& proj) {
    return proj(rel_embeddings).view({1, R, num_heads, head_dim}).permute({0, 2, 1, 3});
  };
  const auto scale = scaled_size_sqrt(head_dim, scale_factor, q);
  torch::Tensor score;
  if (settings.c2p) {  // content -> position: query i against the position embedding of (i - j)
    const auto pos_key = project(settings.share_att_key ? key_proj : pos_key_proj);
    const auto c2p = torch::matmul(q, pos_key.transpose(-1, -2));  // [B, heads, T, R]
    const auto gathered = c2p.gather(/*dim=*/-1, rel.c2p_index.expand({B, num_heads, T, T}));
    score = gathered / scale;
  }
  if (settings.p2c) {  // position -> content: key j against the position embedding of (j - i)
    const auto pos_query = project(settings.share_att_key ? query_proj : pos_query_proj);
    const auto p2c = torch::matmul(k, pos_query.transpose(-1, -2));  // [B, heads, T(key), R]
    const auto gathered = p2c.gather(/*dim=*/-1, rel.p2c_index.expand({B, num_heads, T, T}))
                              .transpose(-1, -2);  // [B, heads, Tq, Tk]
    score = score.defined() ? score + gathered / scale : gathered / scale;
  }
  return score;  // undefined when pos_att_type is empty (HF adds 0)
}

}  // namespace attune::models
