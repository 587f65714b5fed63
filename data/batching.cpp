#include "data/batching.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "base/errors.h"

namespace attune::data {
namespace {

// A uniform integer in [0, n), without modulo bias, from the standardised mt19937_64 stream (so a
// shuffle does not depend on the standard library's distribution code).
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % n;
}

template <typename T>
void fisher_yates(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[uniform_below(rng, i)]);
}

void check_batch_size(std::int64_t batch_size) {
  if (batch_size < 1)
    throw InputError("batch size " + std::to_string(batch_size) + ": expected an integer >= 1");
}

// Cuts `order` into consecutive batches of batch_size (the last may be smaller), appending to `plan`.
void cut(const std::vector<std::size_t>& order, std::size_t begin, std::size_t end, std::size_t batch_size,
         BatchPlan& plan) {
  for (std::size_t i = begin; i < end; i += batch_size)
    plan.emplace_back(order.begin() + i, order.begin() + std::min(end, i + batch_size));
}

// Stable sort of order[begin, end) by length, longest first.
void sort_by_length(std::vector<std::size_t>& order, std::size_t begin, std::size_t end,
                    const std::vector<std::size_t>& lengths) {
  std::stable_sort(order.begin() + begin, order.begin() + end,
                   [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
}

}  // namespace

std::vector<std::size_t> row_lengths(const TokenizedRows& data) {
  const auto n = data.input_ids.size();
  if (data.labels.size() != n)
    throw InputError("batching: " + std::to_string(data.labels.size()) + " labels for " + std::to_string(n) +
                     " rows");
  if (!data.weights.empty() && data.weights.size() != n)
    throw InputError("batching: " + std::to_string(data.weights.size()) + " weights for " +
                     std::to_string(n) + " rows");
  std::vector<std::size_t> lengths(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (data.input_ids[i].empty()) throw InputError("batching: row " + std::to_string(i) + " has no tokens");
    lengths[i] = data.input_ids[i].size();
  }
  return lengths;
}

BatchPlan plan_train_batches(const std::vector<std::size_t>& lengths, std::int64_t batch_size,
                             std::uint64_t seed, std::int64_t epoch, std::int64_t bucket_batches) {
  check_batch_size(batch_size);
  if (bucket_batches < 1)
    throw InputError("bucket size " + std::to_string(bucket_batches) + " batches: expected an integer >= 1");
  std::mt19937_64 rng(seed + static_cast<std::uint64_t>(epoch));
  std::vector<std::size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  fisher_yates(order, rng);

  const auto bs = static_cast<std::size_t>(batch_size);
  const std::size_t chunk = bs * static_cast<std::size_t>(bucket_batches);
  BatchPlan plan;
  for (std::size_t begin = 0; begin < order.size(); begin += chunk) {
    const std::size_t end = std::min(order.size(), begin + chunk);
    sort_by_length(order, begin, end, lengths);
    cut(order, begin, end, bs, plan);
  }
  fisher_yates(plan, rng);
  return plan;
}

BatchPlan plan_eval_batches(const std::vector<std::size_t>& lengths, std::int64_t batch_size, bool sort) {
  check_batch_size(batch_size);
  std::vector<std::size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (sort) sort_by_length(order, 0, order.size(), lengths);
  BatchPlan plan;
  cut(order, 0, order.size(), static_cast<std::size_t>(batch_size), plan);
  return plan;
}

Batch make_batch(const TokenizedRows& data, const std::vector<std::size_t>& rows, std::int64_t pad_id) {
  if (rows.empty()) throw InputError("batching: a batch needs at least one row");
  Batch batch;
  batch.rows = rows;
  batch.batch_size = static_cast<std::int64_t>(rows.size());
  for (auto r : rows) {
    if (r >= data.input_ids.size() || r >= data.labels.size())
      throw InputError("batching: row " + std::to_string(r) + " out of range (" +
                       std::to_string(data.input_ids.size()) + " rows)");
    batch.seq_len =
        std::max<std::int64_t>(batch.seq_len, static_cast<std::int64_t>(data.input_ids[r].size()));
  }
  const auto t_len = static_cast<std::size_t>(batch.seq_len);
  batch.input_ids.assign(rows.size() * t_len, pad_id);
  batch.attention_mask.assign(rows.size() * t_len, 0);
  for (std::size_t b = 0; b < rows.size(); ++b) {
    const auto& ids = data.input_ids[rows[b]];
    std::copy(ids.begin(), ids.end(), batch.input_ids.begin() + b * t_len);
    std::fill_n(batch.attention_mask.begin() + b * t_len, ids.size(), 1);
    batch.labels.push_back(data.labels[rows[b]]);
    batch.weights.push_back(data.weights.empty() ? 1.0f : data.weights.at(rows[b]));
  }
  return batch;
}

BatchStream::BatchStream(const TokenizedRows& data, BatchPlan plan, std::int64_t pad_id,
                         std::size_t start_batch)
    : data_(data), plan_(std::move(plan)), pad_id_(pad_id), position_(start_batch) {
  if (start_batch > plan_.size())
    throw InputError("batching: resume at batch " + std::to_string(start_batch) + " of an epoch of " +
                     std::to_string(plan_.size()) + " batches");
}

Batch BatchStream::next() {
  if (done()) throw std::out_of_range("BatchStream::next past the end of the epoch");
  return make_batch(data_, plan_[position_++], pad_id_);
}

double PaddingStats::saved_fraction() const {
  return max_length_tokens == 0
             ? 0.0
             : 1.0 - static_cast<double>(bucketed_tokens) / static_cast<double>(max_length_tokens);
}

double PaddingStats::padding_fraction() const {
  return bucketed_tokens == 0
             ? 0.0
             : static_cast<double>(bucketed_tokens - real_tokens) / static_cast<double>(bucketed_tokens);
}

PaddingStats padding_stats(const std::vector<std::size_t>& lengths, const BatchPlan& plan,
                           std::size_t max_length) {
  PaddingStats stats;
  for (const auto& batch : plan) {
    std::size_t longest = 0;
    for (auto r : batch) {
      longest = std::max(longest, lengths.at(r));
      stats.real_tokens += lengths.at(r);
    }
    stats.rows += batch.size();
    stats.bucketed_tokens += batch.size() * longest;
  }
  stats.max_length_tokens = stats.rows * max_length;
  return stats;
}

}  // namespace attune::data
