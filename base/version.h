// The attune version (the project's CMake version), printed by every executable's --version and written
// into exported dirs' attune.json.
#pragma once

namespace attune {
const char* version();
}
