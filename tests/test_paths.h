// Where tests find the project sources, the built executables and ../shared (golden tensors, tokenizers).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace attune::testing {

std::filesystem::path source_dir();
std::filesystem::path bin_dir();
// $ATTUNE_SHARED_DIR, else the ../shared beside the checkout; may not exist (a user's fresh clone).
std::filesystem::path shared_dir();
// A fresh empty temporary directory, removed when the test binary exits.
std::filesystem::path temp_dir(const std::string& tag);

}  // namespace attune::testing

// Skips the current test with a clear message when ../shared/<sub> is absent.
#define ATTUNE_REQUIRE_SHARED(sub)                                                                        \
  do {                                                                                                    \
    if (!std::filesystem::exists(::attune::testing::shared_dir() / (sub)))                                \
      GTEST_SKIP() << "skipped: " << (::attune::testing::shared_dir() / (sub)).string()                   \
                   << " is absent (the shared reference material sits beside the checkout as ../shared)"; \
  } while (0)
