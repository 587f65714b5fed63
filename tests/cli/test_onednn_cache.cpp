// tools/cli/onednn_cache.h: the bound is set where the environment names none, and a user's value wins.
#include "tools/cli/onednn_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace attune::cli {
namespace {

TEST(OnednnCache, SetsTheCapacityUnlessTheEnvironmentNamesOne) {
  const char* name = "ONEDNN_PRIMITIVE_CACHE_CAPACITY";
  const char* before = std::getenv(name);
  const std::string saved = before ? before : "";
  unsetenv(name);
  bound_onednn_primitive_cache(kPretrainPrimitiveCacheCapacity);
  ASSERT_NE(std::getenv(name), nullptr);
  EXPECT_EQ(std::string(std::getenv(name)), kPretrainPrimitiveCacheCapacity);
  setenv(name, "7", 1);
  bound_onednn_primitive_cache(kPretrainPrimitiveCacheCapacity);
  EXPECT_EQ(std::string(std::getenv(name)), "7");
  if (before)
    setenv(name, saved.c_str(), 1);
  else
    unsetenv(name);
}

}  // namespace
}  // namespace attune::cli
