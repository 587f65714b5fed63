#include "data/tokenizers/unicode.h"

#include <algorithm>
#include <array>
#include <vector>

#include "data/tokenizers/unicode_tables.h"

namespace attune::data::unicode {
namespace {

namespace t = unicode_tables;

constexpr char32_t kReplacement = 0xFFFD;  // what an invalid UTF-8 byte decodes as
constexpr char32_t kBmpEnd = 0x10000;      // code points below this have a direct class lookup

CharClass class_by_search(char32_t cp) {
  // The last range whose first code point is <= cp.
  const std::uint32_t key = (static_cast<std::uint32_t>(cp) << 4) | 0xF;
  const std::uint32_t* end = t::kClassRanges + t::kClassRangesSize;
  const std::uint32_t* it = std::upper_bound(t::kClassRanges, end, key);
  return static_cast<CharClass>(*(it - 1) & 0xF);
}

// Direct lookup for the Basic Multilingual Plane, built once.
const std::vector<std::uint8_t>& bmp_classes() {
  static const std::vector<std::uint8_t> table = [] {
    std::vector<std::uint8_t> out(kBmpEnd);
    for (char32_t cp = 0; cp < kBmpEnd; ++cp) out[cp] = static_cast<std::uint8_t>(class_by_search(cp));
    return out;
  }();
  return table;
}

bool in_ranges(const t::Range* ranges, std::size_t n, char32_t cp) {
  const t::Range* end = ranges + n;
  const t::Range* it =
      std::upper_bound(ranges, end, cp, [](char32_t c, const t::Range& r) { return c < r.first; });
  return it != ranges && cp <= (it - 1)->last;
}

constexpr char32_t kCapitalSigma = 0x3A3;
constexpr char32_t kSmallSigma = 0x3C3;
constexpr char32_t kFinalSigma = 0x3C2;
constexpr char32_t kCapitalIWithDot = 0x130;  // lower-cases to "i" + U+0307
constexpr char32_t kCombiningDotAbove = 0x307;

// Python's Final_Sigma test: a cased letter before (skipping case-ignorables) and none after.
bool is_final_sigma(const std::u32string& cps, std::size_t i) {
  std::size_t j = i;
  bool cased_before = false;
  while (j > 0) {
    --j;
    if (!is_case_ignorable(cps[j])) {
      cased_before = is_cased(cps[j]);
      break;
    }
  }
  if (!cased_before) return false;
  for (std::size_t k = i + 1; k < cps.size(); ++k) {
    if (!is_case_ignorable(cps[k])) return !is_cased(cps[k]);
  }
  return true;
}

}  // namespace

CharClass char_class(char32_t cp) {
  if (cp < kBmpEnd) return static_cast<CharClass>(bmp_classes()[cp]);
  if (cp > 0x10FFFF) return CharClass::kOtherC;
  return class_by_search(cp);
}

bool is_white_space(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_cased(char32_t cp) {
  return in_ranges(t::kCasedRanges, t::kCasedRangesSize, cp);
}

bool is_case_ignorable(char32_t cp) {
  return in_ranges(t::kCaseIgnorableRanges, t::kCaseIgnorableRangesSize, cp);
}

std::size_t decode_utf8(const std::string& s, std::size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t value = 0;
  char32_t min_value = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, value = b0 & 0x1F, min_value = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, value = b0 & 0x0F, min_value = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, value = b0 & 0x07, min_value = 0x10000;
  } else {
    *cp = kReplacement;
    return 1;
  }
  if (i + len > s.size()) {
    *cp = kReplacement;
    return 1;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      *cp = kReplacement;
      return 1;
    }
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    *cp = kReplacement;
    return 1;
  }
  *cp = value;
  return len;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

char32_t simple_lower(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  const t::LowerRun* end = t::kLowerRuns + t::kLowerRunsSize;
  const t::LowerRun* it =
      std::upper_bound(t::kLowerRuns, end, cp, [](char32_t c, const t::LowerRun& r) { return c < r.first; });
  if (it == t::kLowerRuns) return cp;
  const t::LowerRun& run = *(it - 1);
  if (cp > run.last) return cp;
  if (run.stride != 0 && (cp - run.first) % run.stride != 0) return cp;
  if (run.stride == 0 && cp != run.first) return cp;
  return static_cast<char32_t>(static_cast<std::int64_t>(cp) + run.delta);
}

std::string to_lower(const std::string& utf8) {
  const bool ascii = std::all_of(utf8.begin(), utf8.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii) {
    std::string out = utf8;
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  // Decode once, remembering which code points came from invalid bytes (kept verbatim).
  std::u32string cps;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // byte [start, length) of each code point
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(utf8, i, &cp);
    cps.push_back(cp);
    spans.emplace_back(i, len);
    i += len;
  }
  std::string out;
  out.reserve(utf8.size() + 8);
  for (std::size_t k = 0; k < cps.size(); ++k) {
    const char32_t cp = cps[k];
    if (cp == kReplacement && spans[k].second == 1) {
      out.push_back(utf8[spans[k].first]);  // an invalid byte, kept
    } else if (cp == kCapitalIWithDot) {
      out.push_back('i');
      append_utf8(out, kCombiningDotAbove);
    } else if (cp == kCapitalSigma) {
      append_utf8(out, is_final_sigma(cps, k) ? kFinalSigma : kSmallSigma);
    } else {
      append_utf8(out, simple_lower(cp));
    }
  }
  return out;
}

void append_stripped(std::u32string& out, char32_t cp) {
  constexpr char32_t kHangulFirst = 0xAC00;  // Hangul syllables decompose by formula
  constexpr char32_t kHangulLast = 0xD7A3;
  if (cp >= kHangulFirst && cp <= kHangulLast) {
    const char32_t index = cp - kHangulFirst;
    out.push_back(0x1100 + index / (21 * 28));
    out.push_back(0x1161 + (index % (21 * 28)) / 28);
    if (index % 28 != 0) out.push_back(0x11A7 + index % 28);
    return;
  }
  if (cp < 0xC0) {
    out.push_back(cp);
    return;
  }
  if (char_class(cp) == CharClass::kNonspacingMark) return;
  const t::Decomposition* end = t::kStripAccents + t::kStripAccentsSize;
  const t::Decomposition* it = std::lower_bound(
      t::kStripAccents, end, cp, [](const t::Decomposition& d, char32_t c) { return d.code_point < c; });
  if (it == end || it->code_point != cp) {
    out.push_back(cp);
    return;
  }
  for (char32_t c : it->out)
    if (c != 0) out.push_back(c);
}

}  // namespace attune::data::unicode
