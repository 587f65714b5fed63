#include "models/fast_paths.h"

#include <atomic>

namespace attune::models {

namespace {
// Four bools: one lock-free word, read on every Linear and dropout call.
std::atomic<FastPaths> g_fast_paths{FastPaths{}};
static_assert(std::atomic<FastPaths>::is_always_lock_free);
}  // namespace

FastPaths FastPaths::reference() {
  FastPaths paths;
  paths.bf16_weight_cache = false;
  paths.fused_linears = false;
  paths.packed_linears = false;
  paths.fast_dropout = false;
  return paths;
}

void set_fast_paths(const FastPaths& paths) {
  g_fast_paths.store(paths);
}

FastPaths fast_paths() {
  return g_fast_paths.load();
}

ScopedFastPaths::ScopedFastPaths(const FastPaths& paths) : previous_(fast_paths()) {
  set_fast_paths(paths);
}

ScopedFastPaths::ScopedFastPaths(bool FastPaths::*path, bool enabled) : previous_(fast_paths()) {
  auto paths = previous_;
  paths.*path = enabled;
  set_fast_paths(paths);
}

ScopedFastPaths::~ScopedFastPaths() {
  set_fast_paths(previous_);
}

}  // namespace attune::models
