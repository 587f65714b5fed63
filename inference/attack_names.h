// MITRE ATT&CK names of the techniques attune's presets and model cards use, for reports and model cards.
#pragma once

#include <string>

namespace attune::inference {

// "OS Credential Dumping: Security Account Manager" for "T1003.002"; for a technique outside the table,
// its parent's name when known ("Impair Defenses (sub-technique .009)"), else "". Benign / Normal /
// Z999 (the grouped rare techniques) get a description.
std::string attack_name(const std::string& label);

}  // namespace attune::inference
