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
// True when $ATTUNE_REQUIRE_SHARED is set to anything but "" or "0" (CI sets it): absent shared material
// then fails a test instead of skipping it, so CI cannot pass without checking the golden references.
bool shared_required();
// A fresh empty temporary directory, removed when the test binary exits.
std::filesystem::path temp_dir(const std::string& tag);

}  // namespace attune::testing

// Skips the current test with a clear message when ../shared/<sub> is absent (fails it instead under
// ATTUNE_REQUIRE_SHARED, see shared_required).
#define ATTUNE_REQUIRE_SHARED(sub)                                                                        \
  do {                                                                                                    \
    if (!std::filesystem::exists(::attune::testing::shared_dir() / (sub))) {                              \
      if (::attune::testing::shared_required())                                                           \
        FAIL() << (::attune::testing::shared_dir() / (sub)).string()                                      \
               << " is absent and ATTUNE_REQUIRE_SHARED is set: the golden references must be checked";   \
      GTEST_SKIP() << "skipped: " << (::attune::testing::shared_dir() / (sub)).string()                   \
                   << " is absent (the shared reference material sits beside the checkout as ../shared)"; \
    }                                                                                                     \
  } while (0)
