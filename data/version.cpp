#include "data/version.h"

namespace attune {
const char* version() { return "0.1.0"; }
}  // namespace attune
