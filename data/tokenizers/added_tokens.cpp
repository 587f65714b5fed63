#include "data/tokenizers/added_tokens.h"

#include <algorithm>

#include "data/tokenizers/unicode.h"

namespace attune::data {
namespace {

// Removes trailing (left=false) or leading (left=true) Python whitespace of s.
void strip_space(std::string& s, bool leading) {
  if (leading) {
    std::size_t i = 0;
    while (i < s.size()) {
      char32_t cp = 0;
      const std::size_t len = unicode::decode_utf8(s, i, &cp);
      if (!is_python_space(cp) || (cp == 0xFFFD && len == 1)) break;
      i += len;
    }
    s.erase(0, i);
    return;
  }
  // Walk forward remembering where the trailing run of spaces starts.
  std::size_t keep = 0;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = unicode::decode_utf8(s, i, &cp);
    i += len;
    if (!is_python_space(cp) || (cp == 0xFFFD && len == 1)) keep = i;
  }
  s.resize(keep);
}

}  // namespace

bool is_python_space(char32_t cp) {
  return unicode::is_white_space(cp) || (cp >= 0x1C && cp <= 0x1F);
}

AddedTokenSplitter::AddedTokenSplitter(std::vector<AddedToken> tokens) {
  for (auto& token : tokens) {
    if (token.content.empty() || token.id < 0) continue;
    const bool seen = std::any_of(tokens_.begin(), tokens_.end(),
                                  [&](const AddedToken& t) { return t.content == token.content; });
    if (seen) continue;
    tokens_.push_back(std::move(token));
    if (first_bytes_.find(tokens_.back().content[0]) == std::string::npos)
      first_bytes_.push_back(tokens_.back().content[0]);
  }
  std::stable_sort(tokens_.begin(), tokens_.end(), [](const AddedToken& a, const AddedToken& b) {
    return a.content.size() > b.content.size();
  });
}

std::vector<TextSegment> AddedTokenSplitter::split(const std::string& text) const {
  std::vector<TextSegment> segments;
  std::size_t start = 0;  // start of the pending text
  std::size_t pos = tokens_.empty() ? std::string::npos : text.find_first_of(first_bytes_);
  bool strip_next = false;  // the previous token swallows the whitespace that follows it
  auto push_text = [&](std::string piece) {
    if (strip_next) strip_space(piece, /*leading=*/true);
    strip_next = false;
    segments.push_back({std::move(piece), -1});
  };
  while (pos != std::string::npos) {
    const AddedToken* match = nullptr;
    for (const auto& token : tokens_) {  // longest first
      if (text.compare(pos, token.content.size(), token.content) == 0) {
        match = &token;
        break;
      }
    }
    if (match == nullptr) {
      pos = text.find_first_of(first_bytes_, pos + 1);
      continue;
    }
    push_text(text.substr(start, pos - start));
    if (match->lstrip) strip_space(segments.back().text, /*leading=*/false);
    segments.push_back({match->content, match->id});
    strip_next = match->rstrip;
    start = pos + match->content.size();
    pos = text.find_first_of(first_bytes_, start);
  }
  push_text(text.substr(start));
  segments.erase(std::remove_if(segments.begin(), segments.end(),
                                [](const TextSegment& s) { return s.id < 0 && s.text.empty(); }),
                 segments.end());
  return segments;
}

}  // namespace attune::data
