#include "trainer/config_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attune::trainer {

const std::vector<std::string>& generate_presets() {
  static const std::vector<std::string> presets{"binary", "discovery4", "4class", "ctf"};
  return presets;
}

const std::vector<std::string>& random_init_model_types() {
  static const std::vector<std::string> types{"roberta", "bert", "deberta-v2"};
  return types;
}

const std::vector<std::string>& best_model_metrics() {
  static const std::vector<std::string> metrics{"eval_loss", "accuracy", "f1_macro", "f1_weighted"};
  return metrics;
}

namespace schema {
namespace {

// Collects the key names of every section (values are untouched).
struct KeyCollector {
  KeyTree* tree;

  template <class S, class F>
  void block(const std::string& key, S& sub, F fn) {
    tree->keys.push_back(key);
    KeyCollector child{&tree->sections[key]};
    fn(sub, child);
  }
  template <class S, class F>
  void section(const std::string& key, std::optional<S>&, F fn) {
    S sub;
    block(key, sub, fn);
  }
  template <class... A>
  void add(const std::string& key, A&&...) {
    tree->keys.push_back(key);
  }
  template <class T>
  void string(const std::string& key, T&) {
    add(key);
  }
  template <class T>
  void choice(const std::string& key, T&, const Choices&) {
    add(key);
  }
  template <class T>
  void integer(const std::string& key, T&, const IntRange&) {
    add(key);
  }
  template <class T>
  void number(const std::string& key, T&, const NumRange&) {
    add(key);
  }
  template <class T>
  void optional_number(const std::string& key, T&, const NumRange&) {
    add(key);
  }
  template <class T>
  void number_list(const std::string& key, T&, const NumRange&) {
    add(key);
  }
  template <class T>
  void boolean(const std::string& key, T&) {
    add(key);
  }
  template <class T>
  void string_list(const std::string& key, T&) {
    add(key);
  }
  template <class T>
  void modules(const std::string& key, T&) {
    add(key);
  }
  template <class T, class U>
  void class_weights(const std::string& key, T&, U&) {
    add(key);
  }
  template <class T>
  void resume(const std::string& key, T&) {
    add(key);
  }
};

}  // namespace

std::string IntRange::describe() const {
  const bool no_hi = hi == std::numeric_limits<int64_t>::max();
  std::string range = no_hi ? "an integer >= " + std::to_string(lo)
                            : "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return minus_one ? "-1 or " + range : range;
}

bool NumRange::contains(double v) const {
  if (!std::isfinite(v)) return false;
  if (lo_open ? v <= lo : v < lo) return false;
  if (hi_open ? v >= hi : v > hi) return false;
  return true;
}

std::string NumRange::describe() const {
  const bool no_lo = std::isinf(lo), no_hi = std::isinf(hi);
  if (no_lo && no_hi) return "a number";
  if (no_hi) return std::string("a number ") + (lo_open ? "> " : ">= ") + format_number(lo);
  if (no_lo) return std::string("a number ") + (hi_open ? "< " : "<= ") + format_number(hi);
  return std::string("a number in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
         (hi_open ? ")" : "]");
}

const KeyTree& key_tree() {
  static const KeyTree tree = [] {
    KeyTree t;
    Config c;
    KeyCollector collector{&t};
    visit_config(c, collector);
    return t;
  }();
  return tree;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(const std::string& key, const std::vector<std::string>& valid,
                       const std::string& what) {
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& candidate : valid) {
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  // Close enough to be a typo: at most a third of the longer name (and always 2 edits).
  const std::size_t limit = std::max<std::size_t>(2, std::max(key.size(), best.size()) / 3);
  if (!best.empty() && best_distance <= limit) return " (did you mean '" + best + "'?)";
  std::string list;
  for (std::size_t i = 0; i < valid.size(); ++i) list += (i ? ", " : "") + valid[i];
  return " (" + what + ": " + list + ")";
}

std::string format_number(double v) {
  char buf[64];
  for (const int precision : {6, 10, 15, 17}) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // "1e-08" is a float in YAML 1.2 but a string to YAML 1.1 readers (PyYAML): write "1.0e-08".
  std::string s = buf;
  const std::size_t e = s.find('e');
  if (e != std::string::npos && s.find('.') == std::string::npos) s.insert(e, ".0");
  return s;
}

}  // namespace schema
}  // namespace attune::trainer
