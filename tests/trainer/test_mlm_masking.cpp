// Dynamic MLM masking: HF's DataCollatorForLanguageModeling proportions, specials and padding never
// selected, deterministic per seed.
#include "trainer/pretrain/mlm_masking.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace attune::trainer {
namespace {

constexpr int64_t kPad = 1, kCls = 0, kSep = 2, kMask = 4, kVocab = 1000;

MaskingSpec spec() {
  MaskingSpec s;
  s.probability = 0.15;
  s.mask_id = kMask;
  s.vocab_size = kVocab;
  s.special_ids = {kCls, kPad, kSep, 3, kMask};
  return s;
}

// [B, T] rows "<s> w w ... </s> <pad> ...": row b has 10 + b % 50 words.
std::pair<torch::Tensor, torch::Tensor> batch(int64_t rows, int64_t len) {
  auto ids = torch::full({rows, len}, kPad, torch::kLong);
  auto mask = torch::zeros({rows, len}, torch::kLong);
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t words = 10 + b % 50;
    ids[b][0] = kCls;
    for (int64_t t = 1; t <= words; ++t) ids[b][t] = 100 + (b * 7 + t * 13) % 800;
    ids[b][words + 1] = kSep;
    mask.index_put_({b, torch::indexing::Slice(0, words + 2)}, 1);
  }
  return {ids, mask};
}

TEST(MlmMasking, ProportionsFollowHuggingFacesCollator) {
  const auto [ids, mask] = batch(400, 64);
  const auto m = mask_tokens(ids, mask, spec(), /*seed=*/11);
  const int64_t real = (mask.sum() - 2 * 400).item<int64_t>();  // words only
  const int64_t n = m.positions.numel();
  EXPECT_NEAR(static_cast<double>(n) / real, 0.15, 0.01);
  const auto flat_ids = ids.reshape({-1});
  const auto after = m.input_ids.reshape({-1}).index_select(0, m.positions);
  EXPECT_TRUE(torch::equal(m.targets, flat_ids.index_select(0, m.positions)));
  const double masked = after.eq(kMask).sum().item<double>() / n;
  const double kept = after.eq(m.targets).sum().item<double>() / n;
  EXPECT_NEAR(masked, 0.8, 0.02);
  EXPECT_NEAR(kept, 0.1, 0.015);  // includes the rare random draw of the same id
  EXPECT_NEAR(1 - masked - kept, 0.1, 0.015);
  // Nothing outside the selected positions changed.
  auto changed = m.input_ids.reshape({-1}).ne(flat_ids);
  changed.index_put_({m.positions}, false);
  EXPECT_EQ(changed.sum().item<int64_t>(), 0);
}

TEST(MlmMasking, NeverSelectsSpecialsOrPaddingNorDrawsThem) {
  const auto [ids, mask] = batch(200, 64);
  const auto m = mask_tokens(ids, mask, spec(), /*seed=*/3);
  const auto flat_ids = ids.reshape({-1});
  const auto flat_mask = mask.reshape({-1});
  for (int64_t i = 0; i < m.positions.numel(); ++i) {
    const int64_t p = m.positions[i].item<int64_t>();
    EXPECT_EQ(flat_mask[p].item<int64_t>(), 1);
    EXPECT_GE(flat_ids[p].item<int64_t>(), 100);
    const int64_t now = m.input_ids.reshape({-1})[p].item<int64_t>();
    EXPECT_TRUE(now == kMask || now >= 5) << "replacement " << now << " is a special id";
    if (i > 0) {
      EXPECT_LT(m.positions[i - 1].item<int64_t>(), p);  // ascending
    }
  }
}

TEST(MlmMasking, DeterministicPerSeedAndNewMasksPerEpoch) {
  const auto [ids, mask] = batch(50, 64);
  const auto a = mask_tokens(ids, mask, spec(), masking_seed(42, 1, 0));
  const auto b = mask_tokens(ids, mask, spec(), masking_seed(42, 1, 0));
  const auto c = mask_tokens(ids, mask, spec(), masking_seed(42, 2, 0));
  EXPECT_TRUE(torch::equal(a.input_ids, b.input_ids));
  EXPECT_TRUE(torch::equal(a.positions, b.positions));
  EXPECT_FALSE(torch::equal(a.input_ids, c.input_ids));
  EXPECT_NE(masking_seed(42, 1, 0), masking_seed(42, 1, 1));
}

TEST(MlmMasking, ShortRowsStillGetOneTarget) {
  auto ids = torch::tensor({{kCls, int64_t{500}, kSep}}, torch::kLong);
  auto mask = torch::ones_like(ids);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const auto m = mask_tokens(ids, mask, spec(), seed);
    ASSERT_EQ(m.positions.numel(), 1);
    EXPECT_EQ(m.positions[0].item<int64_t>(), 1);
    EXPECT_EQ(m.targets[0].item<int64_t>(), 500);
  }
  // Only specials: nothing to predict.
  auto only = torch::tensor({{kCls, kSep}}, torch::kLong);
  EXPECT_EQ(mask_tokens(only, torch::ones_like(only), spec(), 1).positions.numel(), 0);
}

TEST(MlmMasking, NeedsAMaskToken) {
  auto s = spec();
  s.mask_id = -1;
  const auto [ids, mask] = batch(2, 64);
  EXPECT_THROW(mask_tokens(ids, mask, s, 1), InputError);
}

}  // namespace
}  // namespace attune::trainer
