#include "inference/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "models/activations.h"
#include "models/deberta_v2.h"
#include "models/deberta_v2_attention.h"
#include "models/hf_config.h"
#include "models/model_factory.h"
#include "models/safetensors.h"

namespace attune::inference {
namespace {

namespace fs = std::filesystem;

onnx::AttributeProto attr_int(const std::string& name, int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto attr_float(const std::string& name, float value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
  return a;
}

onnx::AttributeProto attr_ints(const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (const auto v : values) a.add_ints(v);
  return a;
}

// Raw little-endian bytes of a contiguous CPU tensor (x86-64 and aarch64 are little-endian, as ONNX's
// raw_data is).
void set_raw(onnx::TensorProto& t, const torch::Tensor& data) {
  const auto c = data.contiguous();
  t.set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size()));
}

// Builds one GraphProto: nodes with fresh output names, weights as initializers, constants deduplicated.
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto* graph, torch::ScalarType weight_dtype,
               std::map<std::string, torch::Tensor> params)
      : graph_(graph), weight_dtype_(weight_dtype), params_(std::move(params)) {}

  // One node; returns its (first) output. `hint` names the output (made unique).
  std::string op(const std::string& type, const std::vector<std::string>& inputs,
                 const std::vector<onnx::AttributeProto>& attrs = {}, const std::string& hint = "") {
    const std::string out = fresh(hint.empty() ? type : hint);
    add_node(type, inputs, {out}, attrs);
    return out;
  }

  void add_node(const std::string& type, const std::vector<std::string>& inputs,
                const std::vector<std::string>& outputs,
                const std::vector<onnx::AttributeProto>& attrs = {}) {
    auto* node = graph_->add_node();
    node->set_op_type(type);
    node->set_name(type + "_" + std::to_string(graph_->node_size()));
    for (const auto& i : inputs) node->add_input(i);
    for (const auto& o : outputs) node->add_output(o);
    for (const auto& a : attrs) *node->add_attribute() = a;
  }

  bool has(const std::string& name) const { return params_.count(name) != 0; }

  const torch::Tensor& param(const std::string& name) const {
    const auto it = params_.find(name);
    if (it == params_.end()) throw InputError("ONNX export: the model has no parameter " + name);
    return it->second;
  }

  // The named weight as a float value of the graph: stored in the weight dtype (bf16 weights are cast to
  // float by a Cast node), transposed to [in, out] when `transpose` (Linear weights, for MatMul).
  std::string weight(const std::string& name, bool transpose = false) {
    const std::string key = name + (transpose ? "^T" : "");
    if (const auto it = weights_.find(key); it != weights_.end()) return it->second;
    auto value = param(name).detach().to(torch::kCPU).to(torch::kFloat);
    if (transpose) value = value.t();
    value = value.to(weight_dtype_).contiguous();
    auto* init = graph_->add_initializer();
    init->set_name(transpose ? name + ".transposed" : name);
    init->set_data_type(weight_dtype_ == torch::kBFloat16 ? onnx::TensorProto::BFLOAT16
                                                          : onnx::TensorProto::FLOAT);
    for (const auto d : value.sizes()) init->add_dims(d);
    if (transpose) init->set_doc_string(name + " transposed to [in_features, out_features]");
    set_raw(*init, value);
    std::string out = init->name();
    if (weight_dtype_ == torch::kBFloat16)
      out = op("Cast", {out}, {attr_int("to", onnx::TensorProto::FLOAT)}, init->name() + ".float");
    weights_[key] = out;
    return out;
  }

  // An int64 constant of shape `dims` (empty: a scalar).
  std::string ints(const std::vector<int64_t>& values, const std::vector<int64_t>& dims) {
    std::string key = "i64";
    for (const auto d : dims) key += "x" + std::to_string(d);
    for (const auto v : values) key += "," + std::to_string(v);
    if (const auto it = constants_.find(key); it != constants_.end()) return it->second;
    auto* init = graph_->add_initializer();
    init->set_name(fresh("const_i64"));
    init->set_data_type(onnx::TensorProto::INT64);
    for (const auto d : dims) init->add_dims(d);
    for (const auto v : values) init->add_int64_data(v);
    return constants_[key] = init->name();
  }
  std::string ints(const std::vector<int64_t>& values) {
    return ints(values, {static_cast<int64_t>(values.size())});
  }
  std::string scalar_int(int64_t value) { return ints({value}, {}); }

  // A float scalar constant.
  std::string scalar_float(float value) {
    char bits[sizeof(float)];
    std::memcpy(bits, &value, sizeof(float));
    std::string key = "f32:";
    for (const char b : bits) key += std::to_string(static_cast<unsigned char>(b)) + ".";
    if (const auto it = constants_.find(key); it != constants_.end()) return it->second;
    auto* init = graph_->add_initializer();
    init->set_name(fresh("const_f32"));
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->add_float_data(value);
    return constants_[key] = init->name();
  }

  // A named int64 table (relative-position indices).
  std::string int_table(const std::string& name, const torch::Tensor& values) {
    auto* init = graph_->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::INT64);
    const auto v = values.to(torch::kLong).contiguous();
    for (const auto d : v.sizes()) init->add_dims(d);
    set_raw(*init, v);
    return name;
  }

  // x @ weightᵀ + bias of the Linear at `prefix` (bias when the model has one).
  std::string linear(const std::string& x, const std::string& prefix) {
    auto y = op("MatMul", {x, weight(prefix + ".weight", /*transpose=*/true)});
    if (has(prefix + ".bias")) y = op("Add", {y, weight(prefix + ".bias")}, {}, prefix);
    return y;
  }

  std::string layer_norm(const std::string& x, const std::string& prefix, double eps) {
    return op("LayerNormalization", {x, weight(prefix + ".weight"), weight(prefix + ".bias")},
              {attr_int("axis", -1), attr_float("epsilon", static_cast<float>(eps))}, prefix);
  }

  // hidden_act / pooler_hidden_act as models/activations.cpp computes it.
  std::string activation(const std::string& x, const std::string& name) {
    const auto kind = models::find_activation(name);
    if (!kind)
      throw InputError("ONNX export: activation \"" + name + "\" is not supported (expected one of " +
                       models::kSupportedActivations + ")");
    switch (*kind) {
      case models::ActivationKind::kGeluErf: {  // x/2 (1 + erf(x / sqrt 2))
        const auto e = op("Erf", {op("Mul", {x, scalar_float(static_cast<float>(M_SQRT1_2))})});
        return op("Mul", {op("Mul", {x, scalar_float(0.5f)}), op("Add", {e, scalar_float(1.0f)})}, {},
                  "gelu");
      }
      case models::ActivationKind::kGeluTanh: {  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        const auto cube = op("Mul", {op("Mul", {x, x}), x});
        const auto inner = op("Add", {x, op("Mul", {cube, scalar_float(0.044715f)})});
        const auto t =
            op("Tanh", {op("Mul", {inner, scalar_float(static_cast<float>(std::sqrt(2.0 / M_PI)))})});
        return op("Mul", {op("Mul", {x, scalar_float(0.5f)}), op("Add", {t, scalar_float(1.0f)})}, {},
                  "gelu_tanh");
      }
      case models::ActivationKind::kRelu:
        return op("Relu", {x});
      case models::ActivationKind::kSilu:
        return op("Mul", {x, op("Sigmoid", {x})}, {}, "silu");
      case models::ActivationKind::kTanh:
        return op("Tanh", {x});
    }
    return x;  // not reached: every kind is handled above
  }

  // [B, T, heads*d] -> [B, heads, T, d]
  std::string split_heads(const std::string& x, int64_t heads, int64_t head_dim) {
    const auto r = op("Reshape", {x, ints({0, 0, heads, head_dim})});
    return op("Transpose", {r}, {attr_ints("perm", {0, 2, 1, 3})});
  }
  // [B, heads, T, d] -> [B, T, heads*d]
  std::string merge_heads(const std::string& x) {
    const auto t = op("Transpose", {x}, {attr_ints("perm", {0, 2, 1, 3})});
    return op("Reshape", {t, ints({0, 0, -1})});
  }
  // x[:, 0] of [B, T, H] -> [B, H]
  std::string first_token(const std::string& x) {
    return op("Gather", {x, scalar_int(0)}, {attr_int("axis", 1)});
  }

  int64_t nodes() const { return graph_->node_size(); }

 private:
  std::string fresh(const std::string& hint) { return hint + "_" + std::to_string(counter_++); }

  onnx::GraphProto* graph_;
  torch::ScalarType weight_dtype_;
  std::map<std::string, torch::Tensor> params_;
  std::map<std::string, std::string> weights_;    // (name, transposed) -> graph value
  std::map<std::string, std::string> constants_;  // value key -> initializer name
  int64_t counter_ = 0;
};

// Values every architecture shares.
struct Inputs {
  std::string ids = "input_ids", mask = "attention_mask";
  std::string seq_len_1d;  // [1]: T
  std::string batch_1d;    // [1]: B
};

// Post-LN transformer block of BERT / RoBERTa at `p` ("<base>.encoder.layer.N").
std::string bert_layer(GraphBuilder& g, const std::string& hidden, const std::string& additive_mask,
                       const std::string& p, const models::HFConfig& c) {
  const int64_t heads = c.num_attention_heads, d = c.hidden_size / c.num_attention_heads;
  const auto q = g.split_heads(g.linear(hidden, p + ".attention.self.query"), heads, d);
  const auto k = g.split_heads(g.linear(hidden, p + ".attention.self.key"), heads, d);
  const auto v = g.split_heads(g.linear(hidden, p + ".attention.self.value"), heads, d);
  const auto kt = g.op("Transpose", {k}, {attr_ints("perm", {0, 1, 3, 2})});
  auto scores =
      g.op("Div", {g.op("MatMul", {q, kt}), g.scalar_float(static_cast<float>(std::sqrt(double(d))))});
  scores = g.op("Add", {scores, additive_mask});
  const auto probs = g.op("Softmax", {scores}, {attr_int("axis", -1)});
  const auto context = g.merge_heads(g.op("MatMul", {probs, v}));
  const auto attended = g.layer_norm(g.op("Add", {g.linear(context, p + ".attention.output.dense"), hidden}),
                                     p + ".attention.output.LayerNorm", c.layer_norm_eps);
  const auto inner = g.activation(g.linear(attended, p + ".intermediate.dense"), c.hidden_act);
  return g.layer_norm(g.op("Add", {g.linear(inner, p + ".output.dense"), attended}), p + ".output.LayerNorm",
                      c.layer_norm_eps);
}

// (1 - mask) * finfo(float).min as [B, 1, 1, T] (models/activations.cpp additive_attention_mask).
std::string additive_mask(GraphBuilder& g, const Inputs& in) {
  const auto m = g.op("Cast", {in.mask}, {attr_int("to", onnx::TensorProto::FLOAT)});
  const auto inv = g.op("Sub", {g.scalar_float(1.0f), m});
  const auto add = g.op("Mul", {inv, g.scalar_float(std::numeric_limits<float>::lowest())});
  return g.op("Unsqueeze", {add, g.ints({1, 2})}, {}, "additive_mask");
}

std::string bert_encoder(GraphBuilder& g, std::string hidden, const std::string& mask,
                         const std::string& base, const models::HFConfig& c) {
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    hidden = bert_layer(g, hidden, mask, base + ".encoder.layer." + std::to_string(i), c);
  return hidden;
}

// word + token type 0 (+ positions) -> LayerNorm, as BertEmbeddings / RobertaEmbeddings add them.
std::string bert_embeddings(GraphBuilder& g, const std::string& base, const std::string& positions,
                            const Inputs& in, const models::HFConfig& c) {
  const std::string p = base + ".embeddings";
  auto x = g.op("Gather", {g.weight(p + ".word_embeddings.weight"), in.ids});
  x = g.op("Add", {x, g.op("Gather", {g.weight(p + ".token_type_embeddings.weight"), g.scalar_int(0)})});
  x = g.op("Add", {x, positions});
  return g.layer_norm(x, p + ".LayerNorm", c.layer_norm_eps);
}

std::string build_bert(GraphBuilder& g, const Inputs& in, const models::HFConfig& c) {
  // Positions 0..T-1: the first T rows of the table, [T, H].
  const auto positions = g.op("Slice", {g.weight("bert.embeddings.position_embeddings.weight"), g.ints({0}),
                                        in.seq_len_1d, g.ints({0})});
  auto hidden = bert_embeddings(g, "bert", positions, in, c);
  hidden = bert_encoder(g, hidden, additive_mask(g, in), "bert", c);
  const auto pooled = g.op("Tanh", {g.linear(g.first_token(hidden), "bert.pooler.dense")});
  return g.linear(pooled, "classifier");
}

std::string build_roberta(GraphBuilder& g, const Inputs& in, const models::HFConfig& c) {
  // models/roberta.cpp roberta_position_ids: cumsum(ids != pad) * (ids != pad) + pad.
  const auto pad = g.scalar_int(c.pad_token_id);
  const auto real =
      g.op("Cast", {g.op("Not", {g.op("Equal", {in.ids, pad})})}, {attr_int("to", onnx::TensorProto::INT64)});
  const auto counted = g.op("Mul", {g.op("CumSum", {real, g.scalar_int(1)}), real});
  const auto position_ids = g.op("Add", {counted, pad}, {}, "position_ids");
  const auto positions =
      g.op("Gather", {g.weight("roberta.embeddings.position_embeddings.weight"), position_ids});
  auto hidden = bert_embeddings(g, "roberta", positions, in, c);
  hidden = bert_encoder(g, hidden, additive_mask(g, in), "roberta", c);
  const auto x = g.op("Tanh", {g.linear(g.first_token(hidden), "classifier.dense")});
  return g.linear(x, "classifier.out_proj");
}

// Index tables for DeBERTa's relative positions: entry n holds, for the distance d = n - N (query minus
// key), the c2p and p2c rows attune's build_relative_positions gathers, computed by attune's own
// make_log_bucket_position. Where both tables are saturated at their ends (every real configuration:
// the log buckets grow with the distance and are clamped to the table), clipping longer distances to
// [-N, N] changes nothing; where they are not (a log-bucket span wider than max_relative_positions, which
// makes the bucket formula fold back), distances beyond N are bucketed in the graph (bucket_in_graph).
struct RelativeTables {
  torch::Tensor c2p, p2c;  // [2N + 1] int64
  int64_t N = 0;
  bool saturated = false;
};

RelativeTables relative_tables(const models::RelativeSettings& s) {
  const int64_t span = s.att_span;
  const auto tables = [&](int64_t N) {
    auto rel = torch::arange(-N, N + 1, torch::kLong);
    if (s.position_buckets > 0 && s.max_relative_positions > 0)
      rel = models::make_log_bucket_position(rel, s.position_buckets, s.max_relative_positions);
    rel = rel.to(torch::kLong);
    RelativeTables t;
    t.N = N;
    t.c2p = torch::clamp(rel + span, 0, 2 * span - 1);
    t.p2c = torch::clamp(-rel + span, 0, 2 * span - 1);
    const auto at = [](const torch::Tensor& v, int64_t i) { return v[i].item<int64_t>(); };
    t.saturated = at(t.c2p, 0) == 0 && at(t.c2p, 2 * N) == 2 * span - 1 && at(t.p2c, 0) == 2 * span - 1 &&
                  at(t.p2c, 2 * N) == 0;
    return t;
  };
  const int64_t least = std::max<int64_t>({s.att_span, s.max_relative_positions, 1}) + 1;
  for (int64_t N = least; N <= 16 * least; N *= 2)
    if (auto t = tables(N); t.saturated) return t;
  return tables(std::max<int64_t>(least, 1024));
}

// make_log_bucket_position's log branch for |d| > mid, op for op in float32 as attune computes it:
// sign(d) * (ceil(log(|d| / mid) / log((max_position - 1) / mid) * (mid - 1)) + mid), as int64.
std::string bucket_in_graph(GraphBuilder& g, const std::string& dist, const models::RelativeSettings& s) {
  const int64_t mid = s.position_buckets / 2;
  const float log_max = torch::log(torch::scalar_tensor(static_cast<double>(s.max_relative_positions - 1) /
                                                            static_cast<double>(mid),
                                                        torch::kFloat))
                            .item<float>();
  const auto to_float = [&](const std::string& x) {
    return g.op("Cast", {x}, {attr_int("to", onnx::TensorProto::FLOAT)});
  };
  const auto ratio = g.op("Div", {to_float(g.op("Abs", {dist})), g.scalar_float(static_cast<float>(mid))});
  const auto scaled = g.op("Mul", {g.op("Div", {g.op("Log", {ratio}), g.scalar_float(log_max)}),
                                   g.scalar_float(static_cast<float>(mid - 1))});
  const auto bucket = g.op("Add", {g.op("Ceil", {scaled}), g.scalar_float(static_cast<float>(mid))});
  const auto signed_bucket = g.op("Mul", {bucket, to_float(g.op("Sign", {dist}))});
  return g.op("Cast", {signed_bucket}, {attr_int("to", onnx::TensorProto::INT64)}, "bucket");
}

struct DebertaShared {
  std::string pair_mask;             // [B, 1, T, T] bool
  std::string rows;                  // [2 * att_span, H] (normed) relative embeddings
  std::string c2p_index, p2c_index;  // [B, heads, T, T] int64
};

std::string deberta_attention(GraphBuilder& g, const std::string& hidden, const DebertaShared& sh,
                              const std::string& p, const models::DisentangledSelfAttentionImpl& att) {
  const auto& s = att.settings;
  const int64_t heads = att.num_heads, d = att.head_dim;
  const auto q = g.split_heads(g.linear(hidden, p + ".query_proj"), heads, d);
  const auto k = g.split_heads(g.linear(hidden, p + ".key_proj"), heads, d);
  const auto v = g.split_heads(g.linear(hidden, p + ".value_proj"), heads, d);
  // scaled_size_sqrt: sqrt(head_dim * scale_factor) in float32.
  const auto scale = g.scalar_float(std::sqrt(static_cast<float>(d) * static_cast<float>(att.scale_factor)));
  const auto kt = g.op("Transpose", {k}, {attr_ints("perm", {0, 1, 3, 2})});
  auto scores = g.op("MatMul", {q, g.op("Div", {kt, scale})});  // [B, heads, T, T]
  if (s.relative_attention) {
    // The position table through a projection: [R, heads*d] -> [1, heads, d, R].
    const auto project = [&](const std::string& proj) {
      const auto y = g.op("Reshape", {g.linear(sh.rows, proj), g.ints({1, -1, heads, d})});
      return g.op("Transpose", {y}, {attr_ints("perm", {0, 2, 3, 1})});
    };
    std::string bias;
    if (s.c2p) {  // query i against the position embedding of (i - j)
      const auto pos_key = project(p + (s.share_att_key ? ".key_proj" : ".pos_key_proj"));
      const auto c2p = g.op("MatMul", {q, pos_key});  // [B, heads, T, R]
      const auto gathered = g.op("GatherElements", {c2p, sh.c2p_index}, {attr_int("axis", 3)});
      bias = g.op("Div", {gathered, scale}, {}, "c2p");
    }
    if (s.p2c) {  // key j against the position embedding of (j - i), transposed to [query, key]
      const auto pos_query = project(p + (s.share_att_key ? ".query_proj" : ".pos_query_proj"));
      const auto p2c = g.op("MatMul", {k, pos_query});  // [B, heads, T(key), R]
      const auto gathered = g.op("GatherElements", {p2c, sh.p2c_index}, {attr_int("axis", 3)});
      const auto t = g.op("Transpose", {gathered}, {attr_ints("perm", {0, 1, 3, 2})});
      const auto scaled = g.op("Div", {t, scale}, {}, "p2c");
      bias = bias.empty() ? scaled : g.op("Add", {bias, scaled});
    }
    if (!bias.empty()) scores = g.op("Add", {scores, bias});
  }
  scores = g.op("Where", {sh.pair_mask, scores, g.scalar_float(std::numeric_limits<float>::lowest())});
  const auto probs = g.op("Softmax", {scores}, {attr_int("axis", -1)});
  return g.merge_heads(g.op("MatMul", {probs, v}));
}

std::string build_deberta(GraphBuilder& g, const Inputs& in, const models::SequenceClassifier& model) {
  const auto* m = dynamic_cast<const models::DebertaV2ForSequenceClassification*>(&model);
  if (m == nullptr) throw InputError("ONNX export: model_type deberta-v2 without a DeBERTa-v2 classifier");
  const auto& c = model.config;
  const auto& encoder = *m->deberta->encoder;
  const auto& s = encoder.settings;
  const double eps = c.layer_norm_eps;

  // Embeddings (models/deberta_v2.cpp DebertaV2EmbeddingsImpl::forward); padded positions are 0.
  const std::string e = "deberta.embeddings";
  auto x = g.op("Gather", {g.weight(e + ".word_embeddings.weight"), in.ids});
  if (g.has(e + ".position_embeddings.weight"))
    x = g.op("Add", {x, g.op("Slice", {g.weight(e + ".position_embeddings.weight"), g.ints({0}),
                                       in.seq_len_1d, g.ints({0})})});
  if (g.has(e + ".token_type_embeddings.weight"))
    x = g.op("Add", {x, g.op("Gather", {g.weight(e + ".token_type_embeddings.weight"), g.scalar_int(0)})});
  if (g.has(e + ".embed_proj.weight")) x = g.op("MatMul", {x, g.weight(e + ".embed_proj.weight", true)});
  x = g.layer_norm(x, e + ".LayerNorm", eps);
  const auto mask_f = g.op("Cast", {in.mask}, {attr_int("to", onnx::TensorProto::FLOAT)});
  const auto embedded = g.op("Mul", {x, g.op("Unsqueeze", {mask_f, g.ints({2})})}, {}, "embedded");

  DebertaShared sh;
  const auto real = g.op("Cast", {in.mask}, {attr_int("to", onnx::TensorProto::BOOL)});  // [B, T]
  sh.pair_mask =
      g.op("And", {g.op("Unsqueeze", {real, g.ints({1, 2})}), g.op("Unsqueeze", {real, g.ints({1, 3})})}, {},
           "pair_mask");
  const auto* first = m->deberta->encoder->layer->ptr(0)->as<models::DebertaV2LayerImpl>();
  const auto& att0 = *first->attention->self;
  if (s.relative_attention) {
    sh.rows = g.weight("deberta.encoder.rel_embeddings.weight");
    if (encoder.norm_rel_ebd) sh.rows = g.layer_norm(sh.rows, "deberta.encoder.LayerNorm", eps);
    // index[q, k] = table[clip(q - k, -N, N) + N], expanded to [B, heads, T, T].
    const auto tables = relative_tables(s);
    const auto c2p_table = g.int_table("relative_position.c2p_index", tables.c2p);
    const auto p2c_table = g.int_table("relative_position.p2c_index", tables.p2c);
    const auto seq_len = g.op("Squeeze", {in.seq_len_1d, g.ints({0})});
    const auto r = g.op("Range", {g.scalar_int(0), seq_len, g.scalar_int(1)});
    const auto dist = g.op("Sub", {g.op("Unsqueeze", {r, g.ints({1})}), g.op("Unsqueeze", {r, g.ints({0})})},
                           {}, "distance");
    const auto clipped = g.op("Max", {g.op("Min", {dist, g.scalar_int(tables.N)}), g.scalar_int(-tables.N)});
    const auto row = g.op("Add", {clipped, g.scalar_int(tables.N)});
    auto c2p = g.op("Gather", {c2p_table, row}), p2c = g.op("Gather", {p2c_table, row});  // [T, T]
    if (!tables.saturated) {  // beyond the tables: the bucket formula in the graph
      const auto span = s.att_span;
      const auto clamp = [&](const std::string& x) {
        return g.op("Max", {g.op("Min", {x, g.scalar_int(2 * span - 1)}), g.scalar_int(0)});
      };
      const auto bucket = bucket_in_graph(g, dist, s);
      const auto inside = g.op("LessOrEqual", {g.op("Abs", {dist}), g.scalar_int(tables.N)});
      c2p = g.op("Where", {inside, c2p, clamp(g.op("Add", {bucket, g.scalar_int(span)}))});
      p2c = g.op("Where", {inside, p2c, clamp(g.op("Sub", {g.scalar_int(span), bucket}))});
    }
    const auto shape = g.op("Concat", {in.batch_1d, g.ints({att0.num_heads}), in.seq_len_1d, in.seq_len_1d},
                            {attr_int("axis", 0)});
    sh.c2p_index = g.op("Expand", {c2p, shape}, {}, "c2p_index");
    sh.p2c_index = g.op("Expand", {p2c, shape}, {}, "p2c_index");
  }

  auto hidden = embedded;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "deberta.encoder.layer." + std::to_string(i);
    const auto* layer = m->deberta->encoder->layer->ptr(i)->as<models::DebertaV2LayerImpl>();
    const auto context = deberta_attention(g, hidden, sh, p + ".attention.self", *layer->attention->self);
    const auto attended =
        g.layer_norm(g.op("Add", {g.linear(context, p + ".attention.output.dense"), hidden}),
                     p + ".attention.output.LayerNorm", eps);
    const auto inner = g.activation(g.linear(attended, p + ".intermediate.dense"), layer->intermediate->act);
    auto next = g.layer_norm(g.op("Add", {g.linear(inner, p + ".output.dense"), attended}),
                             p + ".output.LayerNorm", eps);
    if (i == 0 && encoder.conv) {  // ConvLayer over the embeddings, added to layer 0's output
      const auto& conv = *encoder.conv;
      const auto& o = conv.conv->options;
      const int64_t kernel = (*o.kernel_size())[0];
      const int64_t pad = (kernel - 1) / 2;  // as models/deberta_v2.cpp builds the Conv1d
      std::vector<onnx::AttributeProto> attrs = {
          attr_ints("kernel_shape", {kernel}), attr_ints("pads", {pad, pad}), attr_int("group", o.groups())};
      std::vector<std::string> conv_inputs = {g.op("Transpose", {embedded}, {attr_ints("perm", {0, 2, 1})}),
                                              g.weight("deberta.encoder.conv.conv.weight")};
      if (g.has("deberta.encoder.conv.conv.bias"))
        conv_inputs.push_back(g.weight("deberta.encoder.conv.conv.bias"));
      auto out = g.op("Transpose", {g.op("Conv", conv_inputs, attrs)}, {attr_ints("perm", {0, 2, 1})});
      const auto keep = g.op("Unsqueeze", {real, g.ints({2})});  // [B, T, 1]
      out = g.op("Where", {keep, out, g.scalar_float(0.0f)});
      out = g.activation(out, conv.act);
      const auto normed = g.layer_norm(g.op("Add", {next, out}), "deberta.encoder.conv.LayerNorm", eps);
      next = g.op("Mul", {normed, g.op("Unsqueeze", {mask_f, g.ints({2})})}, {}, "conv_out");
    }
    hidden = next;
  }
  const auto pooled = g.activation(g.linear(g.first_token(hidden), "pooler.dense"), m->pooler->act);
  return g.linear(pooled, "classifier");
}

void add_value_info(onnx::ValueInfoProto* info, const std::string& name, int elem_type,
                    const std::vector<std::pair<std::string, int64_t>>& dims) {
  info->set_name(name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  for (const auto& [param, value] : dims) {
    auto* dim = tensor->mutable_shape()->add_dim();
    if (param.empty()) {
      dim->set_dim_value(value);
    } else {
      dim->set_dim_param(param);
    }
  }
}

// The dtype model.safetensors stores its floating weights in: BF16 when all of them are, else float.
torch::ScalarType stored_weight_dtype(const fs::path& dir) {
  const auto file = dir / "model.safetensors";
  if (!fs::exists(file)) return torch::kFloat;
  const auto st = models::SafetensorsFile::open(file);
  bool any = false;
  for (const auto& name : st->names()) {
    const auto& dtype = st->entry(name).dtype;
    if (dtype == "F32" || dtype == "F16" || dtype == "F64") return torch::kFloat;
    any = any || dtype == "BF16";
  }
  return any ? torch::kBFloat16 : torch::kFloat;
}

}  // namespace

OnnxExportSummary write_onnx(const models::SequenceClassifier& model, const fs::path& file,
                             torch::ScalarType weight_dtype) {
  if (weight_dtype != torch::kFloat && weight_dtype != torch::kBFloat16)
    throw InputError("ONNX export: weights are written as fp32 or bf16");
  const auto& c = model.config;
  std::map<std::string, torch::Tensor> params;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (item.key().find("lora_") != std::string::npos)
      throw InputError("ONNX export: the model still carries LoRA adapters (" + item.key() +
                       "): export the merged model");
    params[item.key()] = item.value();
  }

  onnx::ModelProto proto;
  proto.set_ir_version(kOnnxIrVersion);
  proto.set_producer_name("attune");
  proto.set_doc_string(models::sequence_classification_architecture(c.model_type) +
                       " (merged): input_ids, attention_mask int64 [batch, sequence] -> logits float "
                       "[batch, num_labels]; token_type_ids are all zero");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  nlohmann::json id2label = nlohmann::json::object();
  for (const auto& [id, label] : c.id2label) id2label[std::to_string(id)] = label;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"model_type", c.model_type}, {"id2label", id2label.dump()}}) {
    auto* prop = proto.add_metadata_props();
    prop->set_key(key);
    prop->set_value(value);
  }

  auto* graph = proto.mutable_graph();
  graph->set_name(models::sequence_classification_architecture(c.model_type));
  add_value_info(graph->add_input(), "input_ids", onnx::TensorProto::INT64, {{"batch", 0}, {"sequence", 0}});
  add_value_info(graph->add_input(), "attention_mask", onnx::TensorProto::INT64,
                 {{"batch", 0}, {"sequence", 0}});
  add_value_info(graph->add_output(), "logits", onnx::TensorProto::FLOAT,
                 {{"batch", 0}, {"", c.num_labels()}});

  GraphBuilder g(graph, weight_dtype, std::move(params));
  Inputs in;
  in.seq_len_1d = g.op("Shape", {in.ids}, {attr_int("start", 1), attr_int("end", 2)}, "sequence_length");
  in.batch_1d = g.op("Shape", {in.ids}, {attr_int("start", 0), attr_int("end", 1)}, "batch_size");
  std::string logits;
  if (c.model_type == "bert") {
    logits = build_bert(g, in, c);
  } else if (c.model_type == "roberta") {
    logits = build_roberta(g, in, c);
  } else if (c.model_type == "deberta-v2") {
    logits = build_deberta(g, in, model);
  } else {
    throw InputError("ONNX export: model_type " + c.model_type +
                     " is not supported (expected roberta, bert or deberta-v2)");
  }
  g.add_node("Identity", {logits}, {"logits"});

  const auto size = proto.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX))
    throw InputError("ONNX export: the graph is " + std::to_string(size) +
                     " bytes, over protobuf's 2 GiB limit for one file");
  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("ONNX export: the written graph fails onnx::checker: ") + e.what());
  }

  fs::create_directories(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !proto.SerializeToOstream(&out))
      throw std::runtime_error("ONNX export: cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
  OnnxExportSummary summary;
  summary.file = file;
  summary.weight_dtype = weight_dtype;
  summary.nodes = graph->node_size();
  summary.initializers = graph->initializer_size();
  summary.bytes = fs::file_size(file);
  return summary;
}

OnnxExportSummary write_onnx_for_dir(const fs::path& dir) {
  if (!fs::exists(dir / "config.json"))
    throw InputError(dir.string() + ": expected a merged model dir (config.json + model.safetensors)");
  const auto model = models::load_model(dir);
  model->eval();
  return write_onnx(*model, dir / kOnnxFile, stored_weight_dtype(dir));
}

}  // namespace attune::inference
