#include "tools/cli/onednn_cache.h"

#include <cstdlib>

namespace attune::cli {

void bound_onednn_primitive_cache(const char* capacity) {
  setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", capacity, /*overwrite=*/0);
}

}  // namespace attune::cli
