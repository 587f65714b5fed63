#include "data/generator/template_engine.h"

#include <stdexcept>

#include "data/generator/vocab.h"

namespace attune::data::gen {

struct Node {
  enum class Kind { kText, kSeq, kChoice, kSlot, kRange };
  Kind kind = Kind::kText;
  std::string text;                  // kText: the literal; kSlot: the binding key ("" when unbound)
  std::vector<Node> kids;            // kSeq: parts; kChoice: alternatives
  const SlotTable* table = nullptr;  // kSlot
  int slot = -1;                     // kSlot
  std::int64_t lo = 0, hi = 0;       // kRange
  std::size_t width = 0;             // kRange: zero-padded width (0 = none)
};

namespace {

[[noreturn]] void fail(const std::string& origin, std::string_view text, const std::string& what) {
  throw std::logic_error("template " + origin + ": " + what + " in \"" + std::string(text) + "\"");
}

// Splits the inside of a group at top-level '|'; returns one part when there is none.
std::vector<std::string_view> split_top(std::string_view body) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '{') ++depth;
    if (body[i] == '}') --depth;
    if (body[i] == '|' && depth == 0) {
      parts.push_back(body.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(body.substr(start));
  return parts;
}

Node parse_seq(std::string_view text, const std::string& origin, const SlotTable& table);

Node parse_group(std::string_view body, std::string_view whole, const std::string& origin,
                 const SlotTable& table) {
  auto parts = split_top(body);
  Node node;
  if (parts.size() > 1) {
    node.kind = Node::Kind::kChoice;
    for (auto part : parts) node.kids.push_back(parse_seq(part, origin, table));
    return node;
  }
  if (!body.empty() && body[0] == '#') {
    auto dash = body.find('-', 1);
    if (dash == std::string_view::npos) fail(origin, whole, "range without '-'");
    std::string lo(body.substr(1, dash - 1)), hi(body.substr(dash + 1));
    try {
      node.lo = std::stoll(lo);
      node.hi = std::stoll(hi);
    } catch (const std::exception&) {
      fail(origin, whole, "bad range {" + std::string(body) + "}");
    }
    if (node.lo > node.hi) fail(origin, whole, "empty range {" + std::string(body) + "}");
    node.kind = Node::Kind::kRange;
    if (lo.size() > 1 && lo[0] == '0') node.width = lo.size();
    return node;
  }
  std::string_view name = body;
  auto at = body.find('@');
  if (at != std::string_view::npos) {
    name = body.substr(0, at);
    node.text = std::string(body);
  }
  node.kind = Node::Kind::kSlot;
  node.table = &table;
  node.slot = table.find(name);
  if (node.slot < 0) fail(origin, whole, "unknown slot {" + std::string(name) + "}");
  return node;
}

Node parse_seq(std::string_view text, const std::string& origin, const SlotTable& table) {
  Node seq;
  seq.kind = Node::Kind::kSeq;
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') fail(origin, text, "unbalanced '}'");
    if (c != '{') {
      literal += c;
      continue;
    }
    int depth = 1;
    std::size_t j = i + 1;
    for (; j < text.size() && depth > 0; ++j) {
      if (text[j] == '{') ++depth;
      if (text[j] == '}') --depth;
    }
    if (depth != 0) fail(origin, text, "unbalanced '{'");
    if (!literal.empty()) {
      Node lit;
      lit.text = std::move(literal);
      literal.clear();
      seq.kids.push_back(std::move(lit));
    }
    seq.kids.push_back(parse_group(text.substr(i + 1, j - i - 2), text, origin, table));
    i = j - 1;
  }
  if (!literal.empty()) {
    Node lit;
    lit.text = std::move(literal);
    seq.kids.push_back(std::move(lit));
  }
  return seq;
}

void expand_node(const Node& node, Rng& rng, std::string& out, Bindings& bindings) {
  switch (node.kind) {
    case Node::Kind::kText:
      out += node.text;
      return;
    case Node::Kind::kSeq:
      for (const auto& kid : node.kids) expand_node(kid, rng, out, bindings);
      return;
    case Node::Kind::kChoice:
      expand_node(node.kids[rng.below(node.kids.size())], rng, out, bindings);
      return;
    case Node::Kind::kRange: {
      std::string digits = std::to_string(rng.range(node.lo, node.hi));
      if (digits.size() < node.width) out.append(node.width - digits.size(), '0');
      out += digits;
      return;
    }
    case Node::Kind::kSlot: {
      if (node.text.empty()) {
        node.table->expand_slot(node.slot, rng, out, bindings);
        return;
      }
      for (const auto& [key, value] : bindings) {
        if (key == node.text) {
          out += value;
          return;
        }
      }
      std::string value;
      node.table->expand_slot(node.slot, rng, value, bindings);
      out += value;
      bindings.emplace_back(node.text, std::move(value));
      return;
    }
  }
}

}  // namespace

std::string Pattern::expand(Rng& rng) const {
  std::string out;
  Bindings bindings;
  expand_into(rng, out, bindings);
  return out;
}

void Pattern::expand_into(Rng& rng, std::string& out, Bindings& bindings) const {
  if (root_) expand_node(*root_, rng, out, bindings);
}

void SlotTable::add_list(const std::string& name, std::vector<std::string> alternatives) {
  if (index_.count(name)) throw std::logic_error("vocabulary: slot {" + name + "} defined twice");
  if (alternatives.empty()) throw std::logic_error("vocabulary: slot {" + name + "} has no values");
  index_[name] = static_cast<int>(entries_.size());
  entries_.push_back(Entry{name, std::move(alternatives), {}, nullptr});
}

void SlotTable::add_fn(const std::string& name, SlotFn fn) {
  if (index_.count(name)) throw std::logic_error("vocabulary: slot {" + name + "} defined twice");
  index_[name] = static_cast<int>(entries_.size());
  entries_.push_back(Entry{name, {}, {}, fn});
}

void SlotTable::finalize() {
  for (auto& entry : entries_) {
    entry.alternatives.clear();
    for (const auto& source : entry.sources)
      entry.alternatives.push_back(compile_pattern(source, "slot {" + entry.name + "}", *this));
  }
}

int SlotTable::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : it->second;
}

void SlotTable::expand_slot(int index, Rng& rng, std::string& out, Bindings& bindings) const {
  const Entry& entry = entries_[static_cast<std::size_t>(index)];
  if (entry.fn) {
    out += entry.fn(rng);
    return;
  }
  entry.alternatives[rng.below(entry.alternatives.size())].expand_into(rng, out, bindings);
}

const SlotTable& vocabulary() {
  static const SlotTable table = [] {
    SlotTable t;
    register_vocabulary(t);
    t.finalize();
    return t;
  }();
  return table;
}

Pattern compile_pattern(std::string_view text, const std::string& origin, const SlotTable& table) {
  return Pattern(std::make_shared<const Node>(parse_seq(text, origin, table)));
}

}  // namespace attune::data::gen
