// The template registry: every template of every label, with a stable id, a family name and, for benign
// hard negatives, the attack label it imitates. Technique files add their templates here.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "data/generator/template_engine.h"

namespace attune::data::gen {

// Label names, as the model cards spell them.
inline const std::string kBenign = "Benign";
inline const std::string kT1003_002 = "T1003.002";  // OS credential dumping: Security Account Manager
inline const std::string kT1087_001 = "T1087.001";  // account discovery: local account
inline const std::string kT1049 = "T1049";          // system network connections discovery
inline const std::string kT1562 = "T1562";          // impair defenses
inline const std::string kT1134 = "T1134";          // access token manipulation

// How a template's text may be varied: commands get case games, log lines and sentences do not.
enum class Kind { kCommand, kLog };

struct Template {
  std::string id;                 // "<label>.<family>.<nn>", e.g. "t1003_002.reg.03"; stable across runs
  std::string label;              // one of the labels above
  std::string family;             // command family: "reg", "shadow", "powershell", "api", "event", ...
  std::string hard_negative_for;  // benign only: the attack label it imitates, "" for general benign
  Kind kind = Kind::kCommand;
  Pattern pattern;
};

class TemplateSet {
 public:
  // Adds one template per pattern; ids are numbered within (label, hard_negative_for, family).
  void add(const std::string& label, const std::string& family, Kind kind,
           std::initializer_list<const char*> patterns, const std::string& hard_negative_for = "");
  const std::vector<Template>& all() const { return templates_; }

 private:
  std::vector<Template> templates_;
};

// "T1003.002" -> "t1003_002".
std::string label_slug(const std::string& label);

// Every template, registered once on first use (throws std::logic_error on a broken template).
const TemplateSet& template_registry();

// One function per file of templates.
void add_benign_windows(TemplateSet& set);
void add_benign_linux(TemplateSet& set);
void add_benign_logs(TemplateSet& set);
void add_benign_dual_use(TemplateSet& set);
void add_t1003_002(TemplateSet& set);
void add_t1087_001(TemplateSet& set);
void add_t1049(TemplateSet& set);
void add_t1562(TemplateSet& set);
void add_t1134(TemplateSet& set);
void add_attack_breadth(TemplateSet& set);

}  // namespace attune::data::gen
