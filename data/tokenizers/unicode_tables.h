// The generated Unicode tables behind unicode.h (see unicode_tables.cpp for their sources and versions).
#pragma once

#include <cstddef>
#include <cstdint>

namespace attune::data::unicode_tables {

// An inclusive code point range.
struct Range {
  std::uint32_t first;
  std::uint32_t last;
};

// Code points first, first + stride, ..., last map to themselves + delta (stride 0: a single code point).
struct LowerRun {
  std::uint32_t first;
  std::uint32_t last;
  std::int32_t delta;
  std::uint32_t stride;
};

// A code point and its canonical decomposition without Mn marks (0-padded; all zero: nothing is left).
struct Decomposition {
  std::uint32_t code_point;
  std::uint32_t out[3];
};

extern const std::uint32_t kClassRanges[];
extern const std::size_t kClassRangesSize;
extern const Range kCasedRanges[];
extern const std::size_t kCasedRangesSize;
extern const Range kCaseIgnorableRanges[];
extern const std::size_t kCaseIgnorableRangesSize;
extern const LowerRun kLowerRuns[];
extern const std::size_t kLowerRunsSize;
extern const Decomposition kStripAccents[];
extern const std::size_t kStripAccentsSize;

}  // namespace attune::data::unicode_tables
