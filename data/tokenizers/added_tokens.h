// Splits added / special token literals ("<mask>", "[CLS]") out of raw text before the model's own
// tokenization, as Hugging Face tokenizers do: the leftmost match wins, the longest among those starting
// there; lstrip / rstrip tokens swallow the whitespace beside them (Python's str.isspace()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/tokenizers/tokenizer_config.h"

namespace attune::data {

// A piece of text (id < 0) or a matched added token (its id).
struct TextSegment {
  std::string text;
  std::int64_t id = -1;
};

class AddedTokenSplitter {
 public:
  AddedTokenSplitter() = default;
  // Tokens with an empty content or a negative id are ignored.
  explicit AddedTokenSplitter(std::vector<AddedToken> tokens);

  bool empty() const { return tokens_.empty(); }
  // Segments of text in order; empty text segments are dropped.
  std::vector<TextSegment> split(const std::string& text) const;

 private:
  std::vector<AddedToken> tokens_;  // longest content first
  std::string first_bytes_;         // the first byte of each token, for a quick scan
};

// Python's str.isspace() for one code point: White_Space plus U+001C..U+001F.
bool is_python_space(char32_t cp);

}  // namespace attune::data
