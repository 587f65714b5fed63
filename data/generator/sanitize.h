// Benign sanitization: per attack label, the lower-case substrings that only that attack uses. No benign
// row of a preset may contain a keyword of the preset's attack labels (hard negatives share tools, flags
// and paths with the attacks, never these).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace attune::data {

// label -> keywords (lower case).
const std::map<std::string, std::vector<std::string>>& malicious_keywords();

// The first keyword of any of `labels` that lower-cased `text` contains, or "" when there is none.
std::string find_malicious_keyword(std::string_view text, const std::vector<std::string>& labels);

// Where the evidence for `label` ends in `text`: the end of the keyword of `label` whose match in
// lower-cased `text` ends first; std::string::npos when `label` has no keyword there (or none at all).
// Noise that truncates an attack row keeps this much, so the row still shows its technique.
std::size_t evidence_end(std::string_view text, const std::string& label);

}  // namespace attune::data
