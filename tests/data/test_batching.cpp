#include "data/batching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "base/errors.h"

namespace attune::data {
namespace {

// n rows with lengths 3..66 in a scrambled order, row i labelled i % 4, weighted 1 + i % 3.
TokenizedRows make_rows(std::size_t n) {
  TokenizedRows data;
  std::mt19937 rng(7);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t length = 3 + rng() % 64;
    std::vector<std::int64_t> ids(length);
    for (std::size_t t = 0; t < length; ++t) ids[t] = static_cast<std::int64_t>(100 + i * 7 + t);
    data.input_ids.push_back(ids);
    data.labels.push_back(static_cast<std::int64_t>(i % 4));
    data.weights.push_back(1.0f + static_cast<float>(i % 3));
  }
  return data;
}

std::vector<std::size_t> flatten(const BatchPlan& plan) {
  std::vector<std::size_t> rows;
  for (const auto& b : plan) rows.insert(rows.end(), b.begin(), b.end());
  return rows;
}

TEST(Batching, EveryRowExactlyOncePerEpoch) {
  const auto data = make_rows(1037);
  const auto lengths = row_lengths(data);
  for (std::int64_t epoch : {0, 1}) {
    const auto plan =
        plan_train_batches(lengths, /*batch_size=*/16, /*seed=*/42, epoch, /*bucket_batches=*/4);
    auto rows = flatten(plan);
    std::sort(rows.begin(), rows.end());
    ASSERT_EQ(rows.size(), 1037u);
    for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i], i);
    for (const auto& b : plan) {
      EXPECT_GE(b.size(), 1u);
      EXPECT_LE(b.size(), 16u);
    }
  }
}

TEST(Batching, DeterministicPerSeedAndEpoch) {
  const auto lengths = row_lengths(make_rows(300));
  const auto a = plan_train_batches(lengths, 8, /*seed=*/1, /*epoch=*/3);
  EXPECT_EQ(a, plan_train_batches(lengths, 8, 1, 3));
  EXPECT_NE(a, plan_train_batches(lengths, 8, 1, 4));
  EXPECT_NE(a, plan_train_batches(lengths, 8, 2, 3));
}

// Sorting within chunks groups similar lengths: far less padding than batching in shuffled order
// (bucket_batches = 1 sorts inside single batches only, which pads exactly like a plain shuffle).
TEST(Batching, BucketingPadsLessThanPlainShuffle) {
  const auto lengths = row_lengths(make_rows(2000));
  const auto bucketed = padding_stats(lengths, plan_train_batches(lengths, 16, 5, 0), /*max_length=*/128);
  const auto plain = padding_stats(lengths, plan_train_batches(lengths, 16, 5, 0, /*bucket_batches=*/1), 128);
  EXPECT_EQ(bucketed.rows, 2000u);
  EXPECT_EQ(bucketed.real_tokens, plain.real_tokens);
  EXPECT_EQ(bucketed.max_length_tokens, 2000u * 128u);
  EXPECT_LT(bucketed.padding_fraction(), 0.1);
  EXPECT_GT(plain.padding_fraction(), 0.3);
  EXPECT_GT(bucketed.saved_fraction(), plain.saved_fraction());
}

TEST(Batching, PaddingStatsByHand) {
  const std::vector<std::size_t> lengths = {5, 2, 7, 3};
  const auto stats = padding_stats(lengths, {{0, 1}, {2, 3}}, /*max_length=*/10);
  EXPECT_EQ(stats.real_tokens, 17u);
  EXPECT_EQ(stats.bucketed_tokens, 2u * 5u + 2u * 7u);
  EXPECT_EQ(stats.max_length_tokens, 40u);
  EXPECT_DOUBLE_EQ(stats.saved_fraction(), 1.0 - 24.0 / 40.0);
  EXPECT_DOUBLE_EQ(stats.padding_fraction(), 7.0 / 24.0);
}

TEST(Batching, PadsEachBatchToItsLongestRow) {
  TokenizedRows data;
  data.input_ids = {{0, 11, 2}, {0, 21, 22, 23, 2}, {0, 2}};
  data.labels = {3, 1, 0};
  data.weights = {1.0f, 2.5f, 1.0f};
  const auto batch = make_batch(data, {1, 2}, /*pad_id=*/9);
  EXPECT_EQ(batch.batch_size, 2);
  EXPECT_EQ(batch.seq_len, 5);
  EXPECT_EQ(batch.rows, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(batch.input_ids, (std::vector<std::int64_t>{0, 21, 22, 23, 2, 0, 2, 9, 9, 9}));
  EXPECT_EQ(batch.attention_mask, (std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(batch.labels, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(batch.weights, (std::vector<float>{2.5f, 1.0f}));

  data.weights.clear();  // no weights: every row weighs 1
  EXPECT_EQ(make_batch(data, {1}, 9).weights, (std::vector<float>{1.0f}));
}

TEST(Batching, ResumingFromABatchIndexGivesTheTailOfTheEpoch) {
  const auto data = make_rows(203);
  const auto plan = plan_train_batches(row_lengths(data), 8, /*seed=*/11, /*epoch=*/2);
  std::vector<Batch> full;
  for (BatchStream stream(data, plan, /*pad_id=*/1); !stream.done();) full.push_back(stream.next());
  const std::size_t k = 9;
  // A restarted run rebuilds the plan from (seed, epoch) and starts at batch k.
  BatchStream resumed(data, plan_train_batches(row_lengths(data), 8, 11, 2), /*pad_id=*/1, /*start_batch=*/k);
  EXPECT_EQ(resumed.size(), full.size());
  for (std::size_t i = k; i < full.size(); ++i) {
    ASSERT_FALSE(resumed.done());
    EXPECT_EQ(resumed.position(), i);
    const auto b = resumed.next();
    EXPECT_EQ(b.rows, full[i].rows);
    EXPECT_EQ(b.input_ids, full[i].input_ids);
    EXPECT_EQ(b.attention_mask, full[i].attention_mask);
  }
  EXPECT_TRUE(resumed.done());
  EXPECT_THROW(resumed.next(), std::out_of_range);
  EXPECT_THROW(BatchStream(data, plan, 1, plan.size() + 1), InputError);
}

TEST(Batching, EvaluationKeepsOrderOrMapsBackFromLengthOrder) {
  const std::vector<std::size_t> lengths = {4, 9, 2, 9, 5};
  EXPECT_EQ(plan_eval_batches(lengths, 2, /*sort_by_length=*/false), (BatchPlan{{0, 1}, {2, 3}, {4}}));
  const auto sorted = plan_eval_batches(lengths, 2, /*sort_by_length=*/true);
  EXPECT_EQ(sorted, (BatchPlan{{1, 3}, {4, 0}, {2}}));
  // Writing each prediction to its row restores the original order.
  std::vector<std::size_t> restored(lengths.size());
  for (const auto& batch : sorted)
    for (auto r : batch) restored[r] = lengths[r];
  EXPECT_EQ(restored, lengths);
}

TEST(Batching, RejectsBadInput) {
  auto data = make_rows(4);
  EXPECT_THROW(plan_train_batches(row_lengths(data), 0, 1, 0), InputError);
  EXPECT_THROW(plan_train_batches(row_lengths(data), 2, 1, 0, /*bucket_batches=*/0), InputError);
  EXPECT_THROW(plan_eval_batches(row_lengths(data), -1, false), InputError);
  EXPECT_THROW(make_batch(data, {}, 1), InputError);
  EXPECT_THROW(make_batch(data, {4}, 1), InputError);
  data.labels.pop_back();
  EXPECT_THROW(row_lengths(data), InputError);
  data = make_rows(4);
  data.input_ids[2].clear();
  EXPECT_THROW(row_lengths(data), InputError);
  data = make_rows(4);
  data.weights.pop_back();
  EXPECT_THROW(row_lengths(data), InputError);
}

}  // namespace
}  // namespace attune::data
