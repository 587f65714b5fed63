// The template engine of the synthetic corpora. A pattern is literal text with groups in braces:
//   {name}        a vocabulary slot (see vocab.cpp), e.g. {user}, {whost}, {wtemp}
//   {name@k}      the same slot, bound: every {name@k} in one expansion yields the same value
//   {a|b|c}       one alternative, uniformly; alternatives are patterns themselves ({|x} = optional x)
//   {#lo-hi}      a decimal integer in [lo, hi], zero-padded to the width of `lo` when it starts with 0
// Literal braces and a literal pipe inside a choice are written {lb}, {rb} and {pipe}.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "data/generator/rng.h"

namespace attune::data::gen {

struct Node;
class SlotTable;

// Values bound by {name@k} during one expansion.
using Bindings = std::vector<std::pair<std::string, std::string>>;

class Pattern {
 public:
  Pattern() = default;
  explicit Pattern(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  // One random expansion (fresh bindings).
  std::string expand(Rng& rng) const;
  // Appends one expansion to `out`, sharing `bindings` with the caller.
  void expand_into(Rng& rng, std::string& out, Bindings& bindings) const;

 private:
  std::shared_ptr<const Node> root_;
};

// A native slot: computes a value from the random stream.
using SlotFn = std::string (*)(Rng&);

// The vocabulary: named slots, each a list of alternative patterns or a native function.
class SlotTable {
 public:
  void add_list(const std::string& name, std::vector<std::string> alternatives);
  void add_fn(const std::string& name, SlotFn fn);
  // Compiles every list alternative; throws std::logic_error on a syntax error or an unknown slot.
  void finalize();

  int find(std::string_view name) const;  // -1 when absent
  void expand_slot(int index, Rng& rng, std::string& out, Bindings& bindings) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    std::vector<std::string> sources;
    std::vector<Pattern> alternatives;
    SlotFn fn = nullptr;
  };
  std::vector<Entry> entries_;
  std::unordered_map<std::string, int> index_;
};

// The project vocabulary (users, hosts, paths, ...), built once on first use.
const SlotTable& vocabulary();

// Compiles `text`. `origin` names the template in errors. Throws std::logic_error (a bug in a template,
// not bad user input) on unbalanced braces, a bad range or an unknown slot.
Pattern compile_pattern(std::string_view text, const std::string& origin, const SlotTable& table);
inline Pattern compile_pattern(std::string_view text, const std::string& origin) {
  return compile_pattern(text, origin, vocabulary());
}

}  // namespace attune::data::gen
