// Small string helpers the whole project shares.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace attune {

// The items separated by `sep`: join({"a", "b"}, ", ") == "a, b".
std::string join(const std::vector<std::string>& items, std::string_view sep);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// The deepest nesting of JSON arrays and objects in `text` (brackets inside strings not counted), read
// without parsing: untrusted JSON is checked against kMaxJsonDepth before nlohmann's recursive parser
// sees it, which would otherwise recurse (and allocate) once per level.
std::size_t json_nesting_depth(std::string_view text);
inline constexpr std::size_t kMaxJsonDepth = 64;

}  // namespace attune
