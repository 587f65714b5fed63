#include "data/generator/templates.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace attune::data::gen {

std::string label_slug(const std::string& label) {
  std::string slug;
  for (char c : label)
    slug += c == '.' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return slug;
}

void TemplateSet::add(const std::string& label, const std::string& family, Kind kind,
                      std::initializer_list<const char*> patterns, const std::string& hard_negative_for) {
  std::string prefix = label_slug(label);
  if (!hard_negative_for.empty()) prefix += ".hn-" + label_slug(hard_negative_for);
  prefix += "." + family + ".";
  std::size_t next = 1;
  for (const auto& t : templates_)
    if (t.id.compare(0, prefix.size(), prefix) == 0) ++next;
  for (const char* text : patterns) {
    char number[16];
    std::snprintf(number, sizeof number, "%02zu", next++);
    Template t;
    t.id = prefix + number;
    t.label = label;
    t.family = family;
    t.hard_negative_for = hard_negative_for;
    t.kind = kind;
    t.pattern = compile_pattern(text, t.id);
    templates_.push_back(std::move(t));
  }
}

const TemplateSet& template_registry() {
  static const TemplateSet set = [] {
    TemplateSet s;
    add_benign_windows(s);
    add_benign_linux(s);
    add_benign_logs(s);
    add_benign_dual_use(s);
    add_t1003_002(s);
    add_t1087_001(s);
    add_t1049(s);
    add_t1562(s);
    add_t1134(s);
    add_attack_breadth(s);
    return s;
  }();
  return set;
}

}  // namespace attune::data::gen
