#include "trainer/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <tuple>

#include "base/errors.h"
#include "base/file_io.h"
#include "base/strings.h"
#include "data/csv.h"
#include "trainer/config_schema.h"

namespace attune::trainer {
namespace {

using schema::Choices;
using schema::IntRange;
using schema::KeyTree;
using schema::NumRange;

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw InputError(where + ": " + message);
}

// What a node holds, for "got ..." in messages.
std::string describe(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.IsNull()) return "null";
  if (node.Tag() == "!") return "the quoted string '" + node.Scalar() + "'";
  return "'" + node.Scalar() + "'";
}

// A plain (unquoted) scalar: numbers and booleans written in quotes are strings, not numbers.
bool plain_scalar(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() != "!";
}

bool parse_int(const std::string& s, int64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  if (s.find_first_of("xXpP") != std::string::npos) return false;  // no hex floats
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

bool parse_bool(const std::string& s, bool& out) {
  if (s == "true" || s == "True" || s == "TRUE") return out = true, true;
  if (s == "false" || s == "False" || s == "FALSE") return out = false, true;
  return false;
}

struct Context {
  std::string origin;
  std::vector<Override> overrides;
  std::map<std::string, std::string> where;  // key path -> location, for keys present
  std::set<std::string> given;               // key paths present and not null

  // The --set that set `path` (or a section above it), else file:line of the node.
  std::string locate(const std::string& path, const YAML::Node& node) const {
    for (auto it = overrides.rbegin(); it != overrides.rend(); ++it)
      if (path == it->path || starts_with(path, it->path + ".")) return it->origin;
    if (node.IsDefined() && node.Mark().line >= 0) return origin + ":" + std::to_string(node.Mark().line + 1);
    return origin;
  }
  std::string at(const std::string& path) const {
    const auto it = where.find(path);
    return it == where.end() ? origin : it->second;
  }
};

// Every key of every mapping must be in the schema, once.
void check_keys(const YAML::Node& map, const KeyTree& tree, const std::string& prefix, const Context& ctx) {
  std::map<std::string, int> seen;  // key -> line
  for (const auto& entry : map) {
    const YAML::Node key_node = entry.first;
    const YAML::Node value = entry.second;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : "";
    const std::string path = prefix + key;
    const std::string where = ctx.locate(path, key_node);
    if (!key_node.IsScalar()) fail(where, "expected a key name, got " + describe(key_node));
    if (!seen.emplace(key, key_node.Mark().line + 1).second)
      fail(where, "duplicate key '" + path + "' (first on line " + std::to_string(seen[key]) + ")");
    if (std::find(tree.keys.begin(), tree.keys.end(), key) == tree.keys.end()) {
      std::string hint = schema::suggestion(key, tree.keys);
      if (!starts_with(hint, " (did you mean")) {
        // Perhaps it belongs to another section.
        for (const auto& [section, sub] : schema::key_tree().sections)
          if (std::find(sub.keys.begin(), sub.keys.end(), key) != sub.keys.end())
            hint = " (did you mean '" + section + "." + key + "'?)";
      }
      fail(where, "unknown key '" + path + "'" + hint);
    }
    const auto sub = tree.sections.find(key);
    if (sub == tree.sections.end()) continue;
    if (value.IsMap()) {
      check_keys(value, sub->second, path + ".", ctx);
    } else if (!value.IsNull()) {
      fail(ctx.locate(path, value), path + ": expected a mapping of keys (" + join(sub->second.keys, ", ") +
                                        "), got " + describe(value));
    }
  }
}

void apply_override(YAML::Node& root, const Override& o) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = o.path.find('.', start);
    segments.push_back(o.path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const KeyTree* tree = &schema::key_tree();
  YAML::Node cur;
  cur.reset(root);
  std::string path;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    path += (i ? "." : "") + seg;
    if (seg.empty()) fail(o.origin, "expected key.path=value with a dotted path such as training.seed=7");
    if (std::find(tree->keys.begin(), tree->keys.end(), seg) == tree->keys.end())
      fail(o.origin, "unknown key '" + path + "'" + schema::suggestion(seg, tree->keys));
    if (i + 1 == segments.size()) break;
    const auto sub = tree->sections.find(seg);
    if (sub == tree->sections.end())
      fail(o.origin, "'" + path + "' is a single key, not a section, expected " + path + "=value");
    if (!cur[seg].IsMap()) cur[seg] = YAML::Node(YAML::NodeType::Map);
    YAML::Node next = cur[seg];
    cur.reset(next);
    tree = &sub->second;
  }
  YAML::Node value;
  if (o.literal) {
    value = YAML::Node(o.value);
  } else {
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::Exception& e) {
      fail(o.origin, "cannot read the value as YAML (" + e.msg + ")");
    }
  }
  cur[segments.back()] = value;
}

// Reads one mapping into a struct, checking types and ranges; absent or null keys keep the default.
struct Reader {
  Context* ctx;
  YAML::Node map;  // undefined or null for a section absent from the file
  std::string prefix;

  // The value node of `key` (undefined when absent or null), recording where it is.
  YAML::Node find(const std::string& key, std::string& path, std::string& where) const {
    path = prefix + key;
    if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& m = map;
    YAML::Node node = m[key];
    if (!node.IsDefined()) return node;
    where = ctx->locate(path, node);
    ctx->where[path] = where;
    if (!node.IsNull()) ctx->given.insert(path);
    return node;
  }
  static bool absent(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }
  [[noreturn]] static void bad(const std::string& where, const std::string& path, const std::string& expected,
                               const YAML::Node& got, const std::string& hint = "") {
    fail(where, path + ": expected " + expected + ", got " + describe(got) + hint);
  }

  template <class S, class F>
  void block(const std::string& key, S& sub, F fn) {
    std::string path, where;
    YAML::Node node = find(key, path, where);
    Reader child{ctx, absent(node) ? YAML::Node(YAML::NodeType::Undefined) : node, path + "."};
    fn(sub, child);
  }
  template <class S, class F>
  void section(const std::string& key, std::optional<S>& out, F fn) {
    std::string path, where;
    YAML::Node node = find(key, path, where);
    if (absent(node)) {
      out.reset();
      return;
    }
    S sub;
    Reader child{ctx, node, path + "."};
    fn(sub, child);
    out = std::move(sub);
  }
  void string(const std::string& key, std::string& out) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    if (!node.IsScalar()) bad(where, path, "a string", node);
    out = node.Scalar();
  }
  void choice(const std::string& key, std::string& out, const Choices& choices) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    if (!node.IsScalar() || std::find(choices.begin(), choices.end(), node.Scalar()) == choices.end()) {
      std::string hint = node.IsScalar() ? schema::suggestion(node.Scalar(), choices) : "";
      if (!starts_with(hint, " (did you mean")) hint.clear();
      bad(where, path, "one of " + join(choices, "|"), node, hint);
    }
    out = node.Scalar();
  }
  void integer(const std::string& key, int64_t& out, const IntRange& range) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    int64_t v = 0;
    if (!plain_scalar(node) || !parse_int(node.Scalar(), v) || !range.contains(v))
      bad(where, path, range.describe(), node);
    out = v;
  }
  void number(const std::string& key, double& out, const NumRange& range) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    double v = 0;
    if (!plain_scalar(node) || !parse_double(node.Scalar(), v) || !range.contains(v))
      bad(where, path, range.describe(), node);
    out = v;
  }
  void optional_number(const std::string& key, std::optional<double>& out, const NumRange& range) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return out.reset();
    double v = 0;
    if (!plain_scalar(node) || !parse_double(node.Scalar(), v) || !range.contains(v))
      bad(where, path, range.describe() + " (or null)", node);
    out = v;
  }
  void number_list(const std::string& key, std::vector<double>& out, const NumRange& range) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    const std::string expected = "a non-empty list of numbers, each " + range.describe().substr(2);
    std::vector<double> values;
    if (plain_scalar(node)) {  // one value stands for a list of one
      double v = 0;
      if (!parse_double(node.Scalar(), v) || !range.contains(v)) bad(where, path, expected, node);
      values.push_back(v);
    } else {
      if (!node.IsSequence() || node.size() == 0) bad(where, path, expected, node);
      for (const auto& item : node) {
        double v = 0;
        if (!plain_scalar(item) || !parse_double(item.Scalar(), v) || !range.contains(v))
          bad(where, path, expected, node);
        values.push_back(v);
      }
    }
    out = std::move(values);
  }
  void boolean(const std::string& key, bool& out) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    if (!plain_scalar(node) || !parse_bool(node.Scalar(), out)) bad(where, path, "true or false", node);
  }
  void string_list(const std::string& key, std::optional<std::vector<std::string>>& out) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    const std::string expected = "a non-empty list of non-empty strings (or null)";
    if (!node.IsSequence() || node.size() == 0) bad(where, path, expected, node);
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) bad(where, path, expected, node);
      items.push_back(item.Scalar());
    }
    out = std::move(items);
  }
  void modules(const std::string& key, ModuleSelector& out) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    const std::string expected = "a non-empty list of module names or one regex string (or null)";
    if (node.IsScalar()) {
      if (node.Scalar().empty()) bad(where, path, expected, node);
      try {
        std::regex check(node.Scalar());
      } catch (const std::regex_error& e) {
        bad(where, path, "a valid regular expression", node, " (" + std::string(e.what()) + ")");
      }
      out = ModuleSelector::pattern(node.Scalar());
      return;
    }
    if (!node.IsSequence() || node.size() == 0) bad(where, path, expected, node);
    std::vector<std::string> names;
    for (const auto& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) bad(where, path, expected, node);
      names.push_back(item.Scalar());
    }
    out = ModuleSelector::list(std::move(names));
  }
  void class_weights(const std::string& key, std::string& mode, std::vector<double>& values) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    const std::string expected = "none, balanced or a list of numbers > 0 (one per label)";
    if (node.IsScalar() && (node.Scalar() == "none" || node.Scalar() == "balanced")) {
      mode = node.Scalar();
      values.clear();
      return;
    }
    if (!node.IsSequence() || node.size() == 0) bad(where, path, expected, node);
    values.clear();
    for (const auto& item : node) {
      double v = 0;
      if (!plain_scalar(item) || !parse_double(item.Scalar(), v) || v <= 0) bad(where, path, expected, node);
      values.push_back(v);
    }
    mode = "list";
  }
  void resume(const std::string& key, std::string& out) {
    std::string path, where;
    const YAML::Node node = find(key, path, where);
    if (absent(node)) return;
    bool flag = false;
    if (!node.IsScalar() || node.Scalar().empty())
      bad(where, path, "false, true (the latest checkpoint) or a checkpoint dir", node);
    if (plain_scalar(node) && parse_bool(node.Scalar(), flag)) {
      out = flag ? "latest" : "";
    } else {
      out = node.Scalar();
    }
  }
};

// model.type: a classic kind (tfidf_logreg, lstm) is fitted from scratch, tokenizer included, so the
// backbone keys have no meaning; its section gets its defaults, peft.method is full and training.bf16 off
// unless given (both models are fp32 models).
void resolve_model_type(Config& c, const Context& ctx) {
  auto& m = c.model;
  const bool tfidf = m.type == "tfidf_logreg", lstm = m.type == "lstm";
  if (m.tfidf_logreg && !tfidf)
    fail(ctx.at("model.tfidf_logreg"),
         "model.tfidf_logreg: expected model.type tfidf_logreg beside it, got '" + m.type + "'");
  if (m.lstm && !lstm)
    fail(ctx.at("model.lstm"), "model.lstm: expected model.type lstm beside it, got '" + m.type + "'");
  if (!m.classic()) return;
  if (tfidf && !m.tfidf_logreg) m.tfidf_logreg.emplace();
  if (lstm && !m.lstm) m.lstm.emplace();
  for (const auto& [key, set] :
       {std::pair{"model.name_or_path", !m.name_or_path.empty()},
        std::pair{"model.fallback", m.fallback != "none"}, std::pair{"model.tokenizer", !m.tokenizer.empty()},
        std::pair{"model.random_init", m.random_init.has_value()}})
    if (set)
      fail(ctx.at(key), std::string(key) + ": not used with model.type " + m.type +
                            " (it fits its own tokenizer and weights from the training split); remove it");
  if (c.pretrain)
    fail(ctx.at("model.type"), "model.type: pretrain needs a transformer, got '" + m.type + "'");
  if (!ctx.given.count("peft.method")) c.peft.method = "full";
  if (c.peft.method != "full")
    fail(ctx.at("peft.method"), "peft.method: expected full with model.type " + m.type + ", got '" +
                                    c.peft.method + "' (PEFT adapts pretrained transformers)");
  if (!ctx.given.count("training.bf16")) c.training.bf16 = false;
  if (tfidf && m.tfidf_logreg->C.size() > 1 && m.tfidf_logreg->cv_folds < 2)
    fail(ctx.at("model.tfidf_logreg.cv_folds"), "model.tfidf_logreg.cv_folds: expected at least 2");
}

void resolve(Config& c, const Context& ctx) {
  std::vector<std::string> missing;
  // A pretrain config reads text, not labeled splits, and may train its own tokenizer.
  const bool pretrain = c.pretrain.has_value();
  const bool trains_tokenizer = pretrain && c.pretrain->tokenizer.train != "none";
  if (!c.model.classic() && !c.model.random_init && c.model.name_or_path.empty())
    missing.push_back("model.name_or_path");
  if (c.model.random_init && c.model.tokenizer.empty() && !trains_tokenizer)
    missing.push_back("model.tokenizer");
  bool missing_files = false;
  if (pretrain) {
    // no labeled data
  } else if (c.data.generate) {
    if (c.data.generate->preset.empty()) missing.push_back("data.generate.preset");
  } else if (c.data.split) {
    if (c.data.split->file.empty()) missing.push_back("data.split.file");
  } else {
    for (const auto& [key, value] : {std::pair{"data.train_file", &c.data.train_file},
                                     std::pair{"data.validation_file", &c.data.validation_file},
                                     std::pair{"data.test_file", &c.data.test_file}}) {
      if (value->empty()) missing.push_back(key), missing_files = true;
    }
  }
  if (!missing.empty()) {
    std::string notes;
    if (missing_files) notes += "; data files may instead come from data.generate or data.split";
    if (c.model.random_init && c.model.tokenizer.empty())
      notes += "; model.random_init takes its vocabulary from model.tokenizer";
    fail(ctx.origin, "missing required keys: " + join(missing, ", ") +
                         (notes.empty() ? "" : " (" + notes.substr(2) + ")"));
  }

  if (const auto& ri = c.model.random_init) {
    if (ri->hidden_size % ri->num_attention_heads != 0)
      fail(ctx.at("model.random_init.hidden_size"),
           "model.random_init.hidden_size: expected a multiple of num_attention_heads (" +
               std::to_string(ri->num_attention_heads) + "), got " + std::to_string(ri->hidden_size));
    if (ri->max_position_embeddings > 0 && ri->max_position_embeddings < c.model.max_length)
      fail(ctx.at("model.random_init.max_position_embeddings"),
           "model.random_init.max_position_embeddings: expected 0 or at least model.max_length (" +
               std::to_string(c.model.max_length) + "), got " + std::to_string(ri->max_position_embeddings));
  }

  resolve_model_type(c, ctx);

  auto& d = c.data;
  if (d.generate) {
    if (d.generate->out_dir.empty()) d.generate->out_dir = "data/generated/" + d.generate->preset;
    const std::filesystem::path dir = d.generate->out_dir;
    if (d.train_file.empty()) d.train_file = (dir / "train.csv").string();
    if (d.validation_file.empty()) d.validation_file = (dir / "validation.csv").string();
    if (d.test_file.empty()) d.test_file = (dir / "test.csv").string();
    if (!ctx.given.count("data.real_benign_file")) d.real_benign_file = (dir / "real_benign.csv").string();
    if (!ctx.given.count("data.real_attacks_file")) d.real_attacks_file = (dir / "real_attacks.csv").string();
  }
  const std::vector<std::pair<std::string, std::string*>> columns{{"data.text_column", &d.text_column},
                                                                  {"data.label_column", &d.label_column},
                                                                  {"data.count_column", &d.count_column}};
  for (const auto& [key, value] : columns)
    if (value->empty()) fail(ctx.at(key), key + ": expected a column name, got ''");
  if (d.text_column == d.label_column || d.count_column == d.text_column || d.count_column == d.label_column)
    fail(ctx.at("data.label_column"),
         "data: text_column, label_column and count_column: expected three different "
         "columns, got '" +
             d.text_column + "', '" + d.label_column + "', '" + d.count_column + "'");
  if (d.labels) {
    std::set<std::string> distinct(d.labels->begin(), d.labels->end());
    if (distinct.size() != d.labels->size())
      fail(ctx.at("data.labels"), "data.labels: expected distinct labels, got a label listed twice");
    if (d.labels->size() < 2)
      fail(ctx.at("data.labels"),
           "data.labels: expected at least 2 labels, got " + std::to_string(d.labels->size()));
  }

  auto& t = c.training;
  if (t.output_dir.empty()) {
    std::string stem = std::filesystem::path(ctx.origin).stem().string();
    t.output_dir = "runs/" + (stem.empty() ? std::string("run") : stem);
  }
  if (!ctx.given.count("training.greater_is_better"))
    t.greater_is_better = t.metric_for_best_model != "eval_loss";
  if (t.class_weights == "list" && d.labels && t.class_weight_values.size() != d.labels->size())
    fail(ctx.at("training.class_weights"),
         "training.class_weights: expected " + std::to_string(d.labels->size()) +
             " weights (one per entry of data.labels), got " + std::to_string(t.class_weight_values.size()));
  if (t.save_steps > 0 && t.save_strategy == "no")
    fail(ctx.at("training.save_steps"),
         "training.save_steps: expected 0 with save_strategy 'no' (no checkpoints are written), got " +
             std::to_string(t.save_steps));
  if (t.resume_from_checkpoint == "latest" && t.save_strategy == "no")
    fail(ctx.at("training.resume_from_checkpoint"),
         "training.resume_from_checkpoint: expected false with save_strategy 'no' (no checkpoints are "
         "written)");

  if (d.split) {
    auto& s = *d.split;
    // Beside data.generate, the generated all.csv is split (the ctf preset writes one).
    if (d.generate && s.file.empty())
      s.file = (std::filesystem::path(d.generate->out_dir) / "all.csv").string();
    if (std::abs(s.train + s.validation + s.test - 1.0) > 1e-9)
      fail(ctx.at("data.split"), "data.split: expected train + validation + test = 1, got " +
                                     schema::format_number(s.train + s.validation + s.test));
    if (s.out_dir.empty()) s.out_dir = (std::filesystem::path(t.output_dir) / "data").string();
    const std::filesystem::path dir = s.out_dir;
    // The split files are data.split's own; a resolved config names them, anything else is a conflict.
    for (const auto& [key, file, name] :
         {std::tuple{"data.train_file", &d.train_file, "train.csv"},
          std::tuple{"data.validation_file", &d.validation_file, "validation.csv"},
          std::tuple{"data.test_file", &d.test_file, "test.csv"}}) {
      const std::string own = (dir / name).string();
      if (ctx.given.count(key) && *file != own)
        fail(ctx.at(key),
             std::string(key) + ": expected none beside data.split (it writes the splits to " + own + ")");
      *file = own;
    }
  }
  if (d.group_rare) {
    if (!d.split)
      fail(ctx.at("data.group_rare"),
           "data.group_rare: expected data.split beside it (rare labels are grouped before splitting)");
    // min_count has no default: left out (or null) it would stay 0, outside its own range.
    if (!(d.group_rare->min_count > 0))
      fail(ctx.at("data.group_rare"),
           "data.group_rare.min_count: expected a number > 0 (labels with fewer observations are grouped)");
    if (d.group_rare->label.empty())
      fail(ctx.at("data.group_rare.label"), "data.group_rare.label: expected a label, got ''");
    if (d.labels && std::find(d.labels->begin(), d.labels->end(), d.group_rare->label) == d.labels->end())
      fail(ctx.at("data.labels"), "data.labels: expected the group label '" + d.group_rare->label +
                                      "' (data.group_rare.label) among them");
  }

  auto& e = c.export_;
  const bool lora = c.peft.method == "lora";
  if (!ctx.given.count("export.adapter")) e.adapter = lora;
  if (e.adapter && !lora)
    fail(ctx.at("export.adapter"), "export.adapter: expected false when peft.method is '" + c.peft.method +
                                       "' (only LoRA has an adapter to export)");
  if (!e.merged && !e.adapter)
    fail(ctx.at("export.merged"), "export: expected merged or adapter (or both) to be true, got both false");
  if (e.dir.empty()) e.dir = (std::filesystem::path(t.output_dir) / "export").string();
  if (d.benign_label.empty())
    fail(ctx.at("data.benign_label"), "data.benign_label: expected a label, got ''");
  // The labels known now (data.labels); those read from the data are checked by the run (benign_label_id).
  if (e.max_benign_fpr && d.labels &&
      std::find(d.labels->begin(), d.labels->end(), d.benign_label) == d.labels->end())
    fail(ctx.at(ctx.given.count("data.benign_label") ? "data.benign_label" : "export.max_benign_fpr"),
         "data.benign_label: '" + d.benign_label + "' is not among data.labels (" + join(*d.labels, ", ") +
             "); export.max_benign_fpr needs the benign class");

  if (auto& p = c.pretrain) {
    // The MLM job runs its own epochs: these training keys have no meaning there, and silently ignoring
    // one set to anything but its default would mislead (a resolved config, which lists every key with
    // its default, still loads).
    const TrainingConfig defaults;
    const std::pair<const char*, bool> ignored[] = {
        {"gradient_accumulation_steps",
         t.gradient_accumulation_steps != defaults.gradient_accumulation_steps},
        {"eval_strategy", t.eval_strategy != defaults.eval_strategy},
        {"eval_steps", t.eval_steps != defaults.eval_steps},
        {"early_stopping_patience", t.early_stopping_patience != defaults.early_stopping_patience},
        {"early_stopping_threshold", t.early_stopping_threshold != defaults.early_stopping_threshold},
        {"metric_for_best_model", t.metric_for_best_model != defaults.metric_for_best_model},
        {"load_best_model_at_end", t.load_best_model_at_end != defaults.load_best_model_at_end},
        {"class_weights", t.class_weights != defaults.class_weights},
        {"use_sample_weights", t.use_sample_weights != defaults.use_sample_weights},
        {"length_bucketing", t.length_bucketing != defaults.length_bucketing}};
    for (const auto& [key, set] : ignored)
      if (set)
        fail(ctx.at(std::string("training.") + key),
             std::string("training.") + key +
                 ": not used by pretrain (masked-language-model pretraining has no gradient accumulation, "
                 "labels, class or sample weights, early stopping or length bucketing); remove it");
    if (p->save_dir.empty()) p->save_dir = (std::filesystem::path(t.output_dir) / "model").string();
    if (!c.model.random_init && p->tokenizer.train != "none")
      fail(ctx.at("pretrain.tokenizer.train"),
           "pretrain.tokenizer.train: expected none when continuing from model.name_or_path (a pretrained "
           "model keeps its own vocabulary); train a tokenizer only with model.random_init");
    if (p->corpus.generated_rows == 0 && p->corpus.benign_world_repeats == 0 &&
        (!p->corpus.text_files || p->corpus.text_files->empty()))
      fail(ctx.at("pretrain.corpus"),
           "pretrain.corpus: expected text: generated_rows > 0, benign_world_repeats > 0 or at least one "
           "entry in text_files");
  }
}

// Emits every key in schema order.
struct Writer {
  YAML::Emitter* out;

  void key(const std::string& k) { *out << YAML::Key << k << YAML::Value; }
  // A string that YAML would read as something else (null, a boolean, a number) is quoted.
  void text(const std::string& s) {
    static const std::set<std::string> special{
        "~",   "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
        "YES", "no",   "No",   "NO",   "on",   "On",   "ON",   "off",   "Off",   "OFF",   "y",   "n"};
    double ignored;
    if (s.empty() || special.count(s) || parse_double(s, ignored) ||
        s.find_first_of("#:'\"") != std::string::npos)
      *out << YAML::DoubleQuoted << s;
    else
      *out << s;
  }
  template <class S, class F>
  void block(const std::string& k, const S& sub, F fn) {
    key(k);
    *out << YAML::BeginMap;
    fn(sub, *this);
    *out << YAML::EndMap;
  }
  template <class S, class F>
  void section(const std::string& k, const std::optional<S>& sub, F fn) {
    if (sub) return block(k, *sub, fn);
    key(k);
    *out << YAML::Null;
  }
  void string(const std::string& k, const std::string& v) {
    key(k);
    if (v.empty())
      *out << YAML::Null;
    else
      text(v);
  }
  void choice(const std::string& k, const std::string& v, const Choices&) { string(k, v); }
  void integer(const std::string& k, int64_t v, const IntRange&) { key(k), *out << v; }
  void number(const std::string& k, double v, const NumRange&) { key(k), *out << schema::format_number(v); }
  void optional_number(const std::string& k, const std::optional<double>& v, const NumRange&) {
    key(k);
    if (v)
      *out << schema::format_number(*v);
    else
      *out << YAML::Null;
  }
  void boolean(const std::string& k, bool v) { key(k), *out << (v ? "true" : "false"); }
  void number_list(const std::string& k, const std::vector<double>& v, const NumRange&) {
    key(k);
    *out << YAML::Flow << YAML::BeginSeq;
    for (const double x : v) *out << schema::format_number(x);
    *out << YAML::EndSeq;
  }
  void list(const std::vector<std::string>& items) {
    *out << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : items) text(item);
    *out << YAML::EndSeq;
  }
  void string_list(const std::string& k, const std::optional<std::vector<std::string>>& v) {
    key(k);
    if (v)
      list(*v);
    else
      *out << YAML::Null;
  }
  void modules(const std::string& k, const ModuleSelector& v) {
    key(k);
    if (v.regex)
      text(*v.regex);
    else if (!v.names.empty())
      list(v.names);
    else
      *out << YAML::Null;
  }
  void class_weights(const std::string& k, const std::string& mode, const std::vector<double>& values) {
    key(k);
    if (mode != "list") return text(mode);
    *out << YAML::Flow << YAML::BeginSeq;
    for (const double v : values) *out << schema::format_number(v);
    *out << YAML::EndSeq;
  }
  void resume(const std::string& k, const std::string& v) {
    key(k);
    if (v.empty())
      *out << "false";
    else if (v == "latest")
      *out << "true";
    else
      text(v);
  }
};

}  // namespace

std::string Config::where(const std::string& path) const {
  const auto it = key_locations.find(path);
  return it == key_locations.end() ? source : it->second;
}

bool Config::operator==(const Config& other) const {
  return to_yaml(*this) == to_yaml(other);
}

Override parse_override(const std::string& arg) {
  const std::string origin = "--set " + arg;
  const std::size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    fail(origin, "expected key.path=value (for instance training.learning_rate=1e-4)");
  Override o;
  o.path = arg.substr(0, eq);
  o.value = arg.substr(eq + 1);
  o.origin = origin;
  return o;
}

Config parse_config(const std::string& yaml, const std::string& origin,
                    const std::vector<Override>& overrides) {
  Context ctx{origin, overrides, {}, {}};
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    fail(origin + ":" + std::to_string(e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  const std::string sections = join(schema::key_tree().keys, ", ");
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap())
    fail(ctx.locate("", root),
         "expected a mapping with the sections " + sections + ", got " + describe(root));
  for (const auto& o : overrides) apply_override(root, o);
  check_keys(root, schema::key_tree(), "", ctx);

  Config config;
  Reader reader{&ctx, root, ""};
  schema::visit_config(config, reader);
  resolve(config, ctx);
  config.source = origin;
  config.key_locations = ctx.where;
  return config;
}

Config load_config(const std::filesystem::path& file, const std::vector<Override>& overrides) {
  return parse_config(read_text_file(file), file.string(), overrides);
}

std::string to_yaml(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  Writer writer{&out};
  schema::visit_config(config, writer);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void write_resolved_config(const Config& config, const std::filesystem::path& file,
                           const std::string& footer) {
  const std::string header =
      "# The resolved config of this run: every key, defaults filled in, --set applied.\n"
      "# From: " +
      (config.source.empty() ? std::string("(no file)") : config.source) + "\n# Rerun with: train --config " +
      file.string() + "\n";
  write_file_atomic(file, header + to_yaml(config) + footer);
}

void check_input_files(const Config& c) {
  namespace fs = std::filesystem;
  auto under = [](const fs::path& file, const fs::path& dir) {
    const std::string f = file.lexically_normal().generic_string(),
                      d = dir.lexically_normal().generic_string();
    return !d.empty() && starts_with(f, d.back() == '/' ? d : d + "/");
  };
  const auto& d = c.data;
  for (const auto& [key, value] :
       {std::pair{"data.train_file", &d.train_file}, std::pair{"data.validation_file", &d.validation_file},
        std::pair{"data.test_file", &d.test_file}, std::pair{"data.stress_file", &d.stress_file},
        std::pair{"data.real_benign_file", &d.real_benign_file},
        std::pair{"data.real_attacks_file", &d.real_attacks_file}}) {
    if (value->empty()) continue;
    if (d.generate && under(*value, d.generate->out_dir)) continue;  // written by the generator
    if (d.split && under(*value, d.split->out_dir)) continue;        // written from data.split.file
    std::error_code ec;
    if (!fs::is_regular_file(*value, ec))
      fail(c.where(key), std::string(key) + ": expected an existing CSV file, got '" + *value + "' (" +
                             (fs::exists(*value, ec) ? "not a regular file" : "no such file") + ")");
  }
  std::error_code ec;
  if (d.split && !(d.generate && under(d.split->file, d.generate->out_dir)) &&
      !fs::is_regular_file(d.split->file, ec))
    fail(c.where("data.split.file"),
         "data.split.file: expected an existing CSV file, got '" + d.split->file + "'");
  if (c.pretrain && c.pretrain->corpus.text_files)
    for (const auto& file : *c.pretrain->corpus.text_files)
      if (!fs::is_regular_file(file, ec))
        fail(c.where("pretrain.corpus.text_files"),
             "pretrain.corpus.text_files: expected an existing text file, got '" + file + "'");
  if (!c.model.tokenizer.empty() && !fs::is_directory(c.model.tokenizer, ec))
    fail(c.where("model.tokenizer"),
         "model.tokenizer: expected an existing tokenizer directory, got '" + c.model.tokenizer + "'");
  const std::string& name = c.model.name_or_path;
  const bool looks_like_path = starts_with(name, "/") || starts_with(name, "./") || starts_with(name, "../");
  if (looks_like_path && c.model.fallback == "none" && !fs::is_directory(name, ec))
    fail(c.where("model.name_or_path"), "model.name_or_path: expected an existing model directory, got '" +
                                            name + "' (or set model.fallback: embedded)");
}

}  // namespace attune::trainer
