// Finding and loading libattune_spm, the dlopen'ed SentencePiece wrapper.
#include "data/tokenizers/spm_library.h"

#include <cstdlib>

#include "test_paths.h"

namespace attune::data {
namespace {

TEST(SpmLibrary, CandidatesPutTheEnvironmentFirst) {
  setenv("ATTUNE_SPM_LIBRARY", "/custom/libattune_spm.so", /*overwrite=*/1);
  const auto candidates = spm_library_candidates();
  unsetenv("ATTUNE_SPM_LIBRARY");
  ASSERT_GE(candidates.size(), 3u);
  EXPECT_EQ(candidates[0], "/custom/libattune_spm.so");
  EXPECT_EQ(std::filesystem::path(candidates.back()).parent_path().filename(),
            "lib");  // ../lib beside the exe
}

TEST(SpmLibrary, LoadsAndReportsApiVersion) {
  const SpmApi& api = spm_api();
  ASSERT_NE(api.load, nullptr);
  EXPECT_EQ(api.load("/nonexistent.model"), nullptr);
  EXPECT_NE(std::string(api.last_error()), "");
}

}  // namespace
}  // namespace attune::data
