// The attune version, printed by every executable's --version and written into exported dirs.
#pragma once

namespace attune {
const char* version();
}
