// GPT-2's pre-tokenization, the split byte-level BPE applies before merging, written out by hand:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with \s = White_Space, \p{L} / \p{N} from unicode.h (Unicode 15.0, as python-regex 2022 used).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace attune::data {

// Byte spans [first, second) of the pieces of text, in order; they tile the text exactly.
using ByteSpans = std::vector<std::pair<std::size_t, std::size_t>>;

void gpt2_pretokenize(const std::string& text, ByteSpans& out);

}  // namespace attune::data
