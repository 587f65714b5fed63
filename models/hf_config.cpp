#include "models/hf_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "models/activations.h"

namespace attune::models {

namespace {

using nlohmann::json;

// Reads typed fields of one config object, each error naming the file and the key.
struct Reader {
  const json& j;
  const std::string& origin;

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    auto it = j.find(key);
    throw InputError(origin + ": key \"" + key + "\": expected " + expected +
                     (it != j.end() ? ", got " + it->dump() : std::string(", but it is missing")));
  }
  bool has(const std::string& key) const { return j.contains(key); }
  bool is_null(const std::string& key) const { return j.contains(key) && j.at(key).is_null(); }

  int64_t integer(const std::string& key, int64_t def, int64_t min_value) const {
    if (!has(key)) return def;
    const json& v = j.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < min_value)
      fail(key, min_value == 0 ? "a non-negative integer" : "an integer >= " + std::to_string(min_value));
    return v.get<int64_t>();
  }
  // An integer that may be null (HF's None), mapped to -1.
  int64_t optional_id(const std::string& key, int64_t def) const {
    if (is_null(key)) return -1;
    return integer(key, def, /*min_value=*/0);
  }
  double number(const std::string& key, double def, double lo, double hi) const {
    if (!has(key)) return def;
    const json& v = j.at(key);
    if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi)
      fail(key, "a number in [" + json(lo).dump() + ", " + json(hi).dump() + "]");
    return v.get<double>();
  }
  bool boolean(const std::string& key, bool def) const {
    if (!has(key)) return def;
    if (!j.at(key).is_boolean()) fail(key, "true or false");
    return j.at(key).get<bool>();
  }
  std::string string(const std::string& key, const std::string& def) const {
    if (!has(key) || j.at(key).is_null()) return def;
    if (!j.at(key).is_string()) fail(key, "a string");
    return j.at(key).get<std::string>();
  }
};

void parse_labels(const Reader& r, HFConfig& c) {
  if (r.has("id2label")) {
    const json& m = r.j.at("id2label");
    if (!m.is_object()) r.fail("id2label", "an object {\"0\": \"name\", ...}");
    for (const auto& [k, v] : m.items()) {
      size_t used = 0;
      int64_t id = -1;
      try {
        id = std::stoll(k, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != k.size() || id < 0 || !v.is_string())
        throw InputError(r.origin +
                         ": key \"id2label\": expected integer-string keys and string names, got \"" + k +
                         "\": " + v.dump());
      c.id2label[id] = v.get<std::string>();
    }
    int64_t expect = 0;
    for (const auto& kv : c.id2label)
      if (kv.first != expect++)
        throw InputError(r.origin + ": key \"id2label\": ids must be 0.." +
                         std::to_string(c.id2label.size() - 1) + " without gaps");
  } else if (r.has("num_labels")) {
    set_num_labels(c, r.integer("num_labels", 2, /*min_value=*/1));
  }
  if (r.has("label2id")) {
    const json& m = r.j.at("label2id");
    if (!m.is_object()) r.fail("label2id", "an object {\"name\": 0, ...}");
    for (const auto& [k, v] : m.items()) {
      if (!v.is_number_integer())
        throw InputError(r.origin + ": key \"label2id\": expected integer ids, got \"" + k +
                         "\": " + v.dump());
      c.label2id[k] = v.get<int64_t>();
    }
  } else {
    for (const auto& [id, name] : c.id2label) c.label2id[name] = id;
  }
}

void parse_deberta(const Reader& r, HFConfig& c) {
  c.relative_attention = r.boolean("relative_attention", false);
  c.max_relative_positions = r.integer("max_relative_positions", -1, /*min_value=*/-1);
  c.position_buckets = r.integer("position_buckets", -1, /*min_value=*/-1);
  c.norm_rel_ebd = r.string("norm_rel_ebd", "none");
  c.share_att_key = r.boolean("share_att_key", false);
  c.position_biased_input = r.boolean("position_biased_input", true);
  c.pooler_hidden_size = r.integer("pooler_hidden_size", -1, /*min_value=*/1);
  c.pooler_dropout = r.number("pooler_dropout", 0.0, 0.0, 1.0);
  c.pooler_hidden_act = r.string("pooler_hidden_act", "gelu");
  c.embedding_size = r.integer("embedding_size", -1, /*min_value=*/1);
  c.classifier_dropout = r.is_null("cls_dropout") ? -1.0 : r.number("cls_dropout", -1.0, -1.0, 1.0);
  if (!is_supported_activation(c.pooler_hidden_act))
    r.fail("pooler_hidden_act", std::string("one of ") + kSupportedActivations);
  // HF's DebertaV2Config: a string "p2c|c2p" becomes the lower-cased list ["p2c", "c2p"].
  if (r.has("pos_att_type") && !r.is_null("pos_att_type")) {
    const json& p = r.j.at("pos_att_type");
    std::vector<std::string> items;
    if (p.is_string()) {
      std::stringstream ss(p.get<std::string>());
      for (std::string item; std::getline(ss, item, '|');) items.push_back(item);
    } else if (p.is_array()) {
      for (const auto& v : p) {
        if (!v.is_string()) r.fail("pos_att_type", "a list of \"p2c\"/\"c2p\" or a string \"p2c|c2p\"");
        items.push_back(v.get<std::string>());
      }
    } else {
      r.fail("pos_att_type", "a list of \"p2c\"/\"c2p\" or a string \"p2c|c2p\"");
    }
    for (auto& s : items) {
      const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
      s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
      for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (s != "p2c" && s != "c2p") r.fail("pos_att_type", "only \"p2c\" and \"c2p\" entries");
      c.pos_att_type.push_back(s);
    }
  }
  if (c.norm_rel_ebd != "none" && c.norm_rel_ebd.find("layer_norm") == std::string::npos)
    r.fail("norm_rel_ebd", "\"none\" or \"layer_norm\"");
}

bool is_default_labels(const HFConfig& c) {
  if (c.id2label.empty()) return true;
  const std::map<int64_t, std::string> id2label = {{0, "LABEL_0"}, {1, "LABEL_1"}};
  const std::map<std::string, int64_t> label2id = {{"LABEL_0", 0}, {"LABEL_1", 1}};
  return c.id2label == id2label && (c.label2id.empty() || c.label2id == label2id);
}

// PretrainedConfig() defaults: save_pretrained's diff form leaves out keys that still hold them.
const json& pretrained_config_defaults() {
  static const json d = {{"return_dict", true},
                         {"output_hidden_states", false},
                         {"output_attentions", false},
                         {"torchscript", false},
                         {"use_bfloat16", false},
                         {"tf_legacy_loss", false},
                         {"pruned_heads", json::object()},
                         {"tie_word_embeddings", true},
                         {"chunk_size_feed_forward", 0},
                         {"is_encoder_decoder", false},
                         {"is_decoder", false},
                         {"add_cross_attention", false},
                         {"tie_encoder_decoder", false},
                         {"finetuning_task", nullptr},
                         {"tokenizer_class", nullptr},
                         {"prefix", nullptr},
                         {"sep_token_id", nullptr},
                         {"decoder_start_token_id", nullptr},
                         {"task_specific_params", nullptr},
                         {"problem_type", nullptr}};
  return d;
}

}  // namespace

bool is_classic_model_type(const std::string& model_type) {
  return model_type == kLstmModelType || model_type == kTfidfLogregModelType;
}

HFConfig default_hf_config(const std::string& model_type) {
  HFConfig c;
  c.model_type = model_type;
  if (is_classic_model_type(model_type)) {
    // Keras-sized LSTM defaults (Embedding 100, LSTM 64, Dropout 0.5); tfidf uses vocab_size only.
    c.vocab_size = 2;
    c.embedding_size = 100;
    c.hidden_size = 64;
    c.hidden_dropout_prob = 0.5;
    c.max_position_embeddings = 20;
    c.num_hidden_layers = 1;
    c.num_attention_heads = 1;
    c.intermediate_size = 1;
    c.pad_token_id = 0;
  } else if (model_type == "roberta") {
    c.vocab_size = 50265;
    c.pad_token_id = 1;
    c.bos_token_id = 0;
    c.eos_token_id = 2;
  } else if (model_type == "bert") {
    c.vocab_size = 30522;
  } else if (model_type == "deberta-v2") {
    c.vocab_size = 128100;
    c.hidden_size = 1536;
    c.num_hidden_layers = 24;
    c.num_attention_heads = 24;
    c.intermediate_size = 6144;
    c.type_vocab_size = 0;
    c.layer_norm_eps = 1e-7;
  } else {
    throw InputError("model_type \"" + model_type + "\" is not supported (expected one of " +
                     kSupportedModelTypes + ")");
  }
  return c;
}

HFConfig parse_hf_config(const json& j, const std::string& origin) {
  if (!j.is_object()) throw InputError(origin + ": expected a JSON object (a Hugging Face config.json)");
  Reader r{j, origin};
  if (!r.has("model_type") || !j.at("model_type").is_string())
    r.fail("model_type", std::string("a string, one of ") + kSupportedModelTypes);
  const std::string type = j.at("model_type").get<std::string>();
  if (type != "roberta" && type != "bert" && type != "deberta-v2" && !is_classic_model_type(type))
    throw InputError(origin + ": model_type \"" + type +
                     "\" is not supported (supported: " + kSupportedModelTypes + ")");
  HFConfig c = default_hf_config(type);
  c.raw = j;
  if (is_classic_model_type(type)) {
    if (r.has("architectures") && j.at("architectures").is_array())
      for (const auto& v : j.at("architectures"))
        if (v.is_string()) c.architectures.push_back(v.get<std::string>());
    c.vocab_size = r.integer("vocab_size", c.vocab_size, /*min_value=*/1);
    c.embedding_size = r.integer("embedding_size", c.embedding_size, /*min_value=*/1);
    c.hidden_size = r.integer("hidden_size", c.hidden_size, /*min_value=*/1);
    c.hidden_dropout_prob = r.number("hidden_dropout_prob", c.hidden_dropout_prob, 0.0, 1.0);
    c.max_position_embeddings =
        r.integer("max_position_embeddings", c.max_position_embeddings, /*min_value=*/1);
    c.pad_token_id = r.integer("pad_token_id", c.pad_token_id, /*min_value=*/0);
    c.problem_type = r.string("problem_type", "");
    c.torch_dtype = r.string("torch_dtype", c.torch_dtype);
    parse_labels(r, c);
    if (c.pad_token_id >= c.vocab_size)
      r.fail("pad_token_id", "an id below vocab_size " + std::to_string(c.vocab_size));
    return c;
  }
  if (r.has("architectures")) {
    const json& a = j.at("architectures");
    if (!a.is_null()) {
      if (!a.is_array()) r.fail("architectures", "a list of class names");
      for (const auto& v : a) {
        if (!v.is_string()) r.fail("architectures", "a list of class names");
        c.architectures.push_back(v.get<std::string>());
      }
    }
  }
  c.vocab_size = r.integer("vocab_size", c.vocab_size, /*min_value=*/1);
  c.hidden_size = r.integer("hidden_size", c.hidden_size, /*min_value=*/1);
  c.num_hidden_layers = r.integer("num_hidden_layers", c.num_hidden_layers, /*min_value=*/1);
  c.num_attention_heads = r.integer("num_attention_heads", c.num_attention_heads, /*min_value=*/1);
  c.intermediate_size = r.integer("intermediate_size", c.intermediate_size, /*min_value=*/1);
  c.hidden_act = r.string("hidden_act", c.hidden_act);
  c.hidden_dropout_prob = r.number("hidden_dropout_prob", c.hidden_dropout_prob, 0.0, 1.0);
  c.attention_probs_dropout_prob =
      r.number("attention_probs_dropout_prob", c.attention_probs_dropout_prob, 0.0, 1.0);
  c.max_position_embeddings =
      r.integer("max_position_embeddings", c.max_position_embeddings, /*min_value=*/1);
  c.type_vocab_size =
      r.integer("type_vocab_size", c.type_vocab_size, /*min_value=*/type == "deberta-v2" ? 0 : 1);
  c.initializer_range = r.number("initializer_range", c.initializer_range, 0.0, 1e9);
  c.layer_norm_eps = r.number("layer_norm_eps", c.layer_norm_eps, 1e-300, 1.0);
  c.pad_token_id = r.optional_id("pad_token_id", c.pad_token_id);
  c.bos_token_id = r.optional_id("bos_token_id", c.bos_token_id);
  c.eos_token_id = r.optional_id("eos_token_id", c.eos_token_id);
  c.problem_type = r.string("problem_type", "");
  c.torch_dtype = r.string("torch_dtype", c.torch_dtype);
  parse_labels(r, c);

  if (c.hidden_size % c.num_attention_heads != 0)
    r.fail("num_attention_heads", "a divisor of hidden_size " + std::to_string(c.hidden_size));
  if (!is_supported_activation(c.hidden_act))
    r.fail("hidden_act", std::string("one of ") + kSupportedActivations);
  if (c.pad_token_id >= c.vocab_size)
    r.fail("pad_token_id", "an id below vocab_size " + std::to_string(c.vocab_size));
  if (!c.problem_type.empty() && c.problem_type != "single_label_classification" &&
      c.problem_type != "multi_label_classification" && c.problem_type != "regression")
    r.fail("problem_type",
           "\"single_label_classification\", \"multi_label_classification\" or \"regression\"");
  if (type == "deberta-v2") {
    parse_deberta(r, c);
  } else {
    c.classifier_dropout =
        r.is_null("classifier_dropout") ? -1.0 : r.number("classifier_dropout", -1.0, 0.0, 1.0);
    c.position_embedding_type = r.string("position_embedding_type", "absolute");
    if (c.position_embedding_type != "absolute")
      r.fail("position_embedding_type", "\"absolute\" (relative_key variants are not implemented)");
    if (type == "roberta" && c.pad_token_id < 0)
      r.fail("pad_token_id", "an integer (RoBERTa derives positions from it)");
    if (type == "roberta" && c.max_position_embeddings <= c.pad_token_id + 1)
      r.fail("max_position_embeddings",
             "more than pad_token_id + 1 (RoBERTa positions start after the pad id)");
  }
  return c;
}

HFConfig load_hf_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string() + ": cannot open (expected a Hugging Face config.json)");
  json j = json::parse(in, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw InputError(file.string() + ": not valid JSON");
  return parse_hf_config(j, file.string());
}

void set_labels(HFConfig& config, const std::vector<std::string>& labels) {
  config.id2label.clear();
  config.label2id.clear();
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string name = labels[i].empty() ? "LABEL_" + std::to_string(i) : labels[i];
    config.id2label[static_cast<int64_t>(i)] = name;
    config.label2id[name] = static_cast<int64_t>(i);
  }
}

void set_num_labels(HFConfig& config, int64_t n) {
  set_labels(config, std::vector<std::string>(n));
}

std::string sequence_classification_architecture(const std::string& model_type) {
  if (model_type == kLstmModelType) return "AttuneLstmForSequenceClassification";
  if (model_type == kTfidfLogregModelType) return "AttuneTfidfLogisticRegression";
  if (model_type == "roberta") return "RobertaForSequenceClassification";
  if (model_type == "bert") return "BertForSequenceClassification";
  if (model_type == "deberta-v2") return "DebertaV2ForSequenceClassification";
  throw InputError("model_type \"" + model_type + "\" is not supported (expected one of " +
                   kSupportedModelTypes + ")");
}

json to_json(const HFConfig& c) {
  if (is_classic_model_type(c.model_type)) {
    json out = {{"model_type", c.model_type},
                {"vocab_size", c.vocab_size},
                {"pad_token_id", c.pad_token_id},
                {"torch_dtype", c.torch_dtype}};
    if (!c.architectures.empty()) out["architectures"] = c.architectures;
    if (c.model_type == kLstmModelType) {
      out["embedding_size"] = c.embedding_size;
      out["hidden_size"] = c.hidden_size;
      out["hidden_dropout_prob"] = c.hidden_dropout_prob;
      out["max_position_embeddings"] = c.max_position_embeddings;
    }
    if (!c.problem_type.empty()) out["problem_type"] = c.problem_type;
    json id2label = json::object(), label2id = json::object();
    for (const auto& [id, name] : c.id2label) id2label[std::to_string(id)] = name;
    for (const auto& [name, id] : c.label2id) label2id[name] = id;
    out["id2label"] = id2label;
    out["label2id"] = label2id;
    return out;
  }
  json out = c.raw.is_object() ? c.raw : json::object();
  // Properties and private fields that from_pretrained accepts but save_pretrained never writes.
  for (const char* key :
       {"num_labels", "_commit_hash", "_attn_implementation_internal", "attn_implementation"})
    out.erase(key);
  for (const auto& [key, def] : pretrained_config_defaults().items()) {
    auto it = out.find(key);
    if (it != out.end() && *it == def) out.erase(it);
  }
  auto set_or_erase = [&out](const char* key, bool keep, const json& value) {
    if (keep)
      out[key] = value;
    else
      out.erase(key);
  };
  set_or_erase("architectures", !c.architectures.empty(), c.architectures);
  out["model_type"] = c.model_type;
  out["vocab_size"] = c.vocab_size;
  out["hidden_size"] = c.hidden_size;
  out["num_hidden_layers"] = c.num_hidden_layers;
  out["num_attention_heads"] = c.num_attention_heads;
  out["intermediate_size"] = c.intermediate_size;
  out["hidden_act"] = c.hidden_act;
  out["hidden_dropout_prob"] = c.hidden_dropout_prob;
  out["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
  out["max_position_embeddings"] = c.max_position_embeddings;
  out["type_vocab_size"] = c.type_vocab_size;
  out["initializer_range"] = c.initializer_range;
  out["layer_norm_eps"] = c.layer_norm_eps;
  out["pad_token_id"] = c.pad_token_id >= 0 ? json(c.pad_token_id) : json(nullptr);
  set_or_erase("bos_token_id", c.bos_token_id >= 0, c.bos_token_id);
  set_or_erase("eos_token_id", c.eos_token_id >= 0, c.eos_token_id);
  set_or_erase("problem_type", !c.problem_type.empty(), c.problem_type);
  out["torch_dtype"] = c.torch_dtype;
  out["transformers_version"] = kTransformersVersion;
  if (is_default_labels(c)) {
    out.erase("id2label");
    out.erase("label2id");
  } else {
    json id2label = json::object(), label2id = json::object();
    for (const auto& [id, name] : c.id2label) id2label[std::to_string(id)] = name;
    for (const auto& [name, id] : c.label2id) label2id[name] = id;
    out["id2label"] = id2label;
    out["label2id"] = label2id;
  }
  if (c.model_type == "deberta-v2") {
    out["relative_attention"] = c.relative_attention;
    out["max_relative_positions"] = c.max_relative_positions;
    out["position_biased_input"] = c.position_biased_input;
    // None (HF's default) stays null; an explicit empty list stays a list.
    const bool raw_list =
        c.raw.is_object() && c.raw.contains("pos_att_type") && c.raw["pos_att_type"].is_array();
    out["pos_att_type"] = c.pos_att_type.empty() && !raw_list ? json(nullptr) : json(c.pos_att_type);
    out["pooler_hidden_size"] = c.pooler_hidden_size > 0 ? c.pooler_hidden_size : c.hidden_size;
    out["pooler_dropout"] = c.pooler_dropout;
    out["pooler_hidden_act"] = c.pooler_hidden_act;
    if (!out.contains("legacy")) out["legacy"] = true;
    // Extra keyword arguments DebertaV2Config stores as attributes only when given.
    set_or_erase("position_buckets", c.raw.contains("position_buckets") || c.position_buckets != -1,
                 c.position_buckets);
    set_or_erase("norm_rel_ebd", c.raw.contains("norm_rel_ebd") || c.norm_rel_ebd != "none", c.norm_rel_ebd);
    set_or_erase("share_att_key", c.raw.contains("share_att_key") || c.share_att_key, c.share_att_key);
    set_or_erase("embedding_size", c.embedding_size > 0, c.embedding_size);
    if (c.classifier_dropout >= 0)
      out["cls_dropout"] = c.classifier_dropout;
    else if (out.contains("cls_dropout"))
      out["cls_dropout"] = nullptr;
  } else {
    out["position_embedding_type"] = c.position_embedding_type;
    out["classifier_dropout"] = c.classifier_dropout >= 0 ? json(c.classifier_dropout) : json(nullptr);
    if (!out.contains("use_cache")) out["use_cache"] = true;
  }
  return out;
}

void save_hf_config(const HFConfig& config, const std::filesystem::path& file) {
  const std::string text = to_json(config).dump(/*indent=*/2) + "\n";
  const std::string tmp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw InputError(file.string() + ": cannot write");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError(file.string() + ": cannot rename the temporary file into place: " + ec.message());
  }
}

}  // namespace attune::models
