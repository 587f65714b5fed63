#include "data/tokenizers/bpe_trainer.h"

#include <algorithm>
#include <fstream>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "data/tokenizers/byte_level_bpe.h"
#include "data/tokenizers/gpt2_pretokenizer.h"

namespace attune::data {
namespace {

constexpr std::int64_t kAlphabetSize = 256;  // every byte has a symbol

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

struct Word {
  std::vector<std::int32_t> symbols;
  std::int64_t count = 0;
};

class Trainer {
 public:
  explicit Trainer(const std::vector<std::string>& lines) {
    for (const auto& text : byte_to_unicode()) intern(text);
    std::unordered_map<std::string, std::int64_t> counts;
    ByteSpans spans;
    for (const auto& line : lines) {
      gpt2_pretokenize(line, spans);
      for (const auto& [begin, end] : spans) ++counts[line.substr(begin, end - begin)];
    }
    words_.reserve(counts.size());
    for (const auto& [bytes, count] : counts) {
      Word word;
      word.count = count;
      for (char c : bytes) word.symbols.push_back(static_cast<std::int32_t>(static_cast<unsigned char>(c)));
      words_.push_back(std::move(word));
    }
    // Sorted words make the pair index (and so the run) independent of hash order.
    std::sort(words_.begin(), words_.end(),
              [](const Word& a, const Word& b) { return a.symbols < b.symbols; });
    for (std::size_t w = 0; w < words_.size(); ++w) add_pairs(static_cast<std::int32_t>(w), /*sign=*/1);
    for (const auto& [key, count] : pair_counts_) push(key);
  }

  // Merges until max_merges are done or the best pair is rarer than min_frequency.
  std::vector<std::pair<std::string, std::string>> run(std::int64_t max_merges, std::int64_t min_frequency) {
    std::vector<std::pair<std::string, std::string>> merges;
    while (static_cast<std::int64_t>(merges.size()) < max_merges && !heap_.empty()) {
      const Entry top = heap_.top();
      heap_.pop();
      const std::uint64_t key = pair_key(top.left, top.right);
      auto it = pair_counts_.find(key);
      if (it == pair_counts_.end() || it->second != top.count) continue;  // stale entry
      if (top.count < min_frequency || top.count <= 0) break;
      merges.emplace_back(strings_[top.left], strings_[top.right]);
      merge(top.left, top.right, intern(strings_[top.left] + strings_[top.right]));
    }
    return merges;
  }

 private:
  struct Entry {
    std::int64_t count;
    std::int32_t left;
    std::int32_t right;
  };
  // Max-heap on count; on a tie the smaller (left, right) strings come first.
  struct Less {
    const std::vector<std::string>* strings;
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.count != b.count) return a.count < b.count;
      const auto& s = *strings;
      if (s[a.left] != s[b.left]) return s[a.left] > s[b.left];
      return s[a.right] > s[b.right];
    }
  };

  std::int32_t intern(const std::string& text) {
    auto [it, inserted] = ids_.emplace(text, static_cast<std::int32_t>(strings_.size()));
    if (inserted) strings_.push_back(text);
    return it->second;
  }

  void push(std::uint64_t key) {
    const auto left = static_cast<std::int32_t>(key >> 32);
    const auto right = static_cast<std::int32_t>(key & 0xFFFFFFFFu);
    heap_.push({pair_counts_[key], left, right});
  }

  // Adds (sign 1) or removes (sign -1) the pairs of word w from the counts, noting which pairs changed.
  void add_pairs(std::int32_t w, int sign) {
    const Word& word = words_[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const std::uint64_t key = pair_key(word.symbols[i], word.symbols[i + 1]);
      pair_counts_[key] += sign * word.count;
      changed_.insert(key);
      if (sign > 0) where_[key].push_back(w);
    }
  }

  void merge(std::int32_t left, std::int32_t right, std::int32_t merged) {
    const std::uint64_t key = pair_key(left, right);
    std::vector<std::int32_t> affected = where_[key];
    std::sort(affected.begin(), affected.end());
    affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
    where_.erase(key);
    changed_.clear();
    for (std::int32_t w : affected) {
      Word& word = words_[static_cast<std::size_t>(w)];
      add_pairs(w, /*sign=*/-1);
      std::vector<std::int32_t> out;
      out.reserve(word.symbols.size());
      for (std::size_t i = 0; i < word.symbols.size();) {
        if (i + 1 < word.symbols.size() && word.symbols[i] == left && word.symbols[i + 1] == right) {
          out.push_back(merged);
          i += 2;
        } else {
          out.push_back(word.symbols[i++]);
        }
      }
      word.symbols.swap(out);
      add_pairs(w, /*sign=*/1);
    }
    for (std::uint64_t changed : changed_) {
      if (pair_counts_[changed] > 0) {
        push(changed);
      } else {
        pair_counts_.erase(changed);
      }
    }
  }

  std::vector<std::string> strings_;  // symbol id -> its byte-level string; 0..255 are the bytes
  std::unordered_map<std::string, std::int32_t> ids_;
  std::vector<Word> words_;
  std::unordered_map<std::uint64_t, std::int64_t> pair_counts_;
  std::unordered_map<std::uint64_t, std::vector<std::int32_t>> where_;  // pair -> words that had it
  std::unordered_set<std::uint64_t> changed_;
  std::priority_queue<Entry, std::vector<Entry>, Less> heap_{Less{&strings_}};
};

}  // namespace

BpeTrainResult train_byte_level_bpe(const std::vector<std::string>& lines, const BpeTrainerOptions& options,
                                    const std::filesystem::path& out_dir) {
  const auto specials = static_cast<std::int64_t>(options.special_tokens.size());
  if (options.vocab_size < specials + kAlphabetSize)
    throw InputError("vocab_size " + std::to_string(options.vocab_size) + " is below the " +
                     std::to_string(specials + kAlphabetSize) + " special and byte symbols it must hold");
  std::vector<std::string> vocab;  // in id order
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& token) {
    if (seen.insert(token).second) vocab.push_back(token);
  };
  for (const auto& token : options.special_tokens) {
    if (token.empty() || seen.count(token) > 0)
      throw InputError("special token \"" + token + "\" is empty or repeated");
    add(token);
  }
  std::vector<std::string> alphabet(byte_to_unicode().begin(), byte_to_unicode().end());
  std::sort(alphabet.begin(), alphabet.end());  // UTF-8 order = code point order
  for (const auto& symbol : alphabet) add(symbol);

  Trainer trainer(lines);
  const auto merges = trainer.run(options.vocab_size - static_cast<std::int64_t>(vocab.size()),
                                  std::max<std::int64_t>(1, options.min_frequency));
  for (const auto& [left, right] : merges) add(left + right);

  std::filesystem::create_directories(out_dir);
  std::ofstream vocab_file(out_dir / "vocab.json", std::ios::binary);
  vocab_file << "{";
  for (std::size_t id = 0; id < vocab.size(); ++id) {
    vocab_file << (id == 0 ? "" : ",") << nlohmann::json(vocab[id]).dump(-1, ' ', /*ensure_ascii=*/false)
               << ":" << id;
  }
  vocab_file << "}";
  std::ofstream merges_file(out_dir / "merges.txt", std::ios::binary);
  merges_file << "#version: 0.2\n";
  for (const auto& [left, right] : merges) merges_file << left << ' ' << right << '\n';
  if (!vocab_file || !merges_file)
    throw InputError(out_dir.string() + ": cannot write vocab.json / merges.txt");
  const std::int64_t merge_count = static_cast<std::int64_t>(merges.size());
  return {static_cast<std::int64_t>(vocab.size()), merge_count};
}

}  // namespace attune::data
