// Length-bucketed batching with dynamic padding. Training: rows are shuffled (seeded by seed + epoch),
// sorted by length within chunks of kDefaultBucketBatches batches, cut into batches, and the batches
// shuffled, so each batch holds rows of similar length and is padded only to its own longest row.
// Evaluation: rows in order (or sorted by length), each batch remembering its original row indices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attune::data {

// Batches per length-sorted chunk: larger groups lengths more tightly, smaller keeps more randomness.
constexpr std::int64_t kDefaultBucketBatches = 50;

// Tokenized rows as the batcher sees them.
struct TokenizedRows {
  std::vector<std::vector<std::int64_t>> input_ids;  // one token id sequence per row (non-empty)
  std::vector<std::int64_t> labels;                  // class id per row
  std::vector<float> weights;                        // sample weight per row; empty = every row 1
};

// Which rows form each batch, in the order the batches are served.
using BatchPlan = std::vector<std::vector<std::size_t>>;

// A padded batch, flattened row-major: element [b, t] is at b * seq_len + t.
struct Batch {
  std::vector<std::size_t> rows;             // [B] original row index of each batch row
  std::int64_t batch_size = 0;               // B
  std::int64_t seq_len = 0;                  // T: this batch's longest row
  std::vector<std::int64_t> input_ids;       // [B, T] pad_id after each row's end
  std::vector<std::int64_t> attention_mask;  // [B, T] 1 on tokens, 0 on padding
  std::vector<std::int64_t> labels;          // [B]
  std::vector<float> weights;                // [B]
};

// The length of every row. Throws InputError when labels or weights do not match the rows, or a row is empty.
std::vector<std::size_t> row_lengths(const TokenizedRows& rows);

// One training epoch's batches: deterministic for (seed, epoch); every row appears exactly once; the last
// batch of each chunk may be smaller. Throws InputError for batch_size or bucket_batches < 1.
BatchPlan plan_train_batches(const std::vector<std::size_t>& lengths, std::int64_t batch_size,
                             std::uint64_t seed, std::int64_t epoch,
                             std::int64_t bucket_batches = kDefaultBucketBatches);

// Evaluation batches over rows 0..n-1 in order, or sorted by length (longest first, ties in row order) when
// sort_by_length, which pads less. Batch::rows maps each prediction back to its row.
BatchPlan plan_eval_batches(const std::vector<std::size_t>& lengths, std::int64_t batch_size,
                            bool sort_by_length);

// Pads rows[...] of `data` to their longest row. Throws InputError for an empty selection or a bad index.
Batch make_batch(const TokenizedRows& data, const std::vector<std::size_t>& rows, std::int64_t pad_id);

// Serves a plan's batches from `start_batch` on: resuming mid-epoch continues exactly where it stopped.
class BatchStream {
 public:
  BatchStream(const TokenizedRows& data, BatchPlan plan, std::int64_t pad_id, std::size_t start_batch = 0);
  bool done() const { return position_ >= plan_.size(); }
  std::size_t position() const { return position_; }  // index of the next batch in the epoch
  std::size_t size() const { return plan_.size(); }   // batches in the whole epoch
  Batch next();                                       // throws std::out_of_range when done()

 private:
  const TokenizedRows& data_;
  BatchPlan plan_;
  std::int64_t pad_id_;
  std::size_t position_;
};

// Tokens a plan pads to, against padding every row to max_length (what bucketing saves).
struct PaddingStats {
  std::size_t rows = 0;
  std::size_t real_tokens = 0;        // sum of row lengths
  std::size_t bucketed_tokens = 0;    // sum over batches of B x T
  std::size_t max_length_tokens = 0;  // rows x max_length
  // 1 - bucketed / max_length: the fraction of the fixed-length work that dynamic padding avoids.
  double saved_fraction() const;
  // padding / bucketed: the fraction of the batched tokens that are padding.
  double padding_fraction() const;
};
PaddingStats padding_stats(const std::vector<std::size_t>& lengths, const BatchPlan& plan,
                           std::size_t max_length);

}  // namespace attune::data
