#include "spm_c_api.h"  // attune_spm has no include path of its own

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct attune_spm_processor {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

thread_local std::string last_error;

int64_t copy_out(const std::string& text, char* out, size_t capacity) {
  if (out != nullptr) std::memcpy(out, text.data(), std::min(capacity, text.size()));
  return static_cast<int64_t>(text.size());
}

// What a loaded model must hold for Debian's libsentencepiece (0.1.97) to encode and decode within its
// buffers: the library trusts these tables, so a corrupted or crafted spm.model that loads without complaint
// made Encode read outside them (found by tests/fuzz/fuzz_tokenizer_spm). Checked once, after loading, on
// the model as the library re-serializes it.

// A base-128 varint from the front of `in`.
bool read_varint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Protobuf wire format: calls fn(field number, varint value, length-delimited payload) for each varint or
// length-delimited field of `message` outside groups; false when the message is malformed.
template <typename Fn>
bool for_each_field(std::string_view message, Fn fn) {
  int group_depth = 0;
  while (!message.empty()) {
    uint64_t tag = 0, value = 0;
    if (!read_varint(message, tag)) return false;
    std::string_view payload;
    switch (tag & 7) {
      case 0:
        if (!read_varint(message, value)) return false;
        break;
      case 1:
      case 5: {
        const size_t size = (tag & 7) == 1 ? 8 : 4;
        if (message.size() < size) return false;
        message.remove_prefix(size);
        break;
      }
      case 2:
        if (!read_varint(message, value) || value > message.size()) return false;
        payload = message.substr(0, value);
        message.remove_prefix(value);
        break;
      case 3:
        ++group_depth;
        continue;
      case 4:
        if (--group_depth < 0) return false;
        continue;
      default:
        return false;
    }
    if (group_depth == 0) fn(tag >> 3, value, payload);
  }
  return group_depth == 0;
}

// A precompiled_charsmap: <trie size: uint32, little-endian><darts-clone double array of uint32 units>
// <replacements, each NUL-terminated>. Normalizer::NormalizePrefix walks the trie over the text's bytes as
// DoubleArray::commonPrefixSearch does, reads the replacement at each match's value with strlen, and keeps up
// to 32 matches a walk but reads as many as it counts; DecodePrecompiledCharsMap lets the trie end up to 3
// bytes past the blob. Every node a walk can reach must therefore lie inside the array with all 256 of its
// children's slots, every value must start a NUL-terminated replacement, and no walk may meet more than 32
// matches (a cycle through a match would meet them without end). "" when it holds.
std::string charsmap_error(std::string_view blob) {
  constexpr size_t kMaxMatches = 32;  // normalizer.h kMaxTrieResultsSize
  uint32_t trie_bytes = 0;
  if (blob.size() < sizeof trie_bytes) return "shorter than its trie size";
  std::memcpy(&trie_bytes, blob.data(), sizeof trie_bytes);
  if (trie_bytes > blob.size() - sizeof trie_bytes) return "its trie runs past its end";
  const size_t count = trie_bytes / sizeof(uint32_t);
  if (count == 0) return "its trie is empty";
  std::vector<uint32_t> units(count);
  std::memcpy(units.data(), blob.data() + sizeof trie_bytes, count * sizeof(uint32_t));
  const std::string_view replacements = blob.substr(sizeof trie_bytes + trie_bytes);
  const size_t last_nul = replacements.rfind('\0');
  // darts.h DoubleArrayUnit
  const auto offset = [](uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); };
  const auto has_leaf = [](uint32_t unit) { return ((unit >> 8) & 1) != 0; };

  // A walk at a node whose children start at `base` moves on the text's next byte c to the unit at base ^ c
  // if that unit's label (its low byte, with bit 31 clear) is c. So a unit with bit 31 clear is the child of
  // whatever nodes start their children at its index xor its low byte, and of no other: the children of each
  // start, as one table.
  std::vector<uint32_t> first(count + 1, 0), children(count);
  const auto parent_base = [&](uint32_t unit_index) { return unit_index ^ (units[unit_index] & 0xFF); };
  const auto is_child = [&](uint32_t unit_index) {
    return (units[unit_index] >> 31) == 0 && parent_base(unit_index) < count;
  };
  for (uint32_t i = 0; i < count; ++i)
    if (is_child(i)) ++first[parent_base(i) + 1];
  for (size_t b = 0; b < count; ++b) first[b + 1] += first[b];
  {
    std::vector<uint32_t> next(first.begin(), first.end() - 1);
    for (uint32_t i = 0; i < count; ++i)
      if (is_child(i)) children[next[parent_base(i)]++] = i;
  }

  enum : uint8_t { kUnseen, kOnWalk, kDone };
  std::vector<uint8_t> state(count, kUnseen);
  std::vector<uint8_t> most_matches(count, 0);  // of kDone nodes: the most matches a walk from them meets
  struct Frame {
    uint32_t node, next_child, end_child;
    uint8_t most;  // over the children done so far
  };
  std::vector<Frame> walk;
  // Enters a node (the root, at 0, has no match of its own); "" when its unit holds.
  const auto enter = [&](uint32_t node) -> std::string {
    const uint32_t base = node ^ offset(units[node]);
    if ((base | 0xFF) >= count) return "a node's children lie outside its trie";
    if (node != 0 && has_leaf(units[node])) {
      const uint32_t value = units[base] & 0x7FFFFFFF;
      if (last_nul == std::string_view::npos || value > last_nul)
        return "a replacement starts outside its strings or is not NUL-terminated";
    }
    state[node] = kOnWalk;
    walk.push_back({node, first[base], first[base + 1], 0});
    return "";
  };
  if (auto error = enter(0); !error.empty()) return error;
  while (!walk.empty()) {
    Frame& frame = walk.back();
    if (frame.next_child < frame.end_child) {
      const uint32_t child = children[frame.next_child++];
      if (state[child] == kOnWalk) return "its trie has a cycle";
      if (state[child] == kDone) {
        frame.most = std::max(frame.most, most_matches[child]);
      } else if (auto error = enter(child); !error.empty()) {  // invalidates `frame`
        return error;
      }
      continue;
    }
    const size_t most = frame.most + (frame.node != 0 && has_leaf(units[frame.node]) ? 1 : 0);
    if (most > kMaxMatches) return "a text could meet more than 32 of its rules at once";
    most_matches[frame.node] = static_cast<uint8_t>(most);
    state[frame.node] = kDone;
    walk.pop_back();
    if (!walk.empty()) walk.back().most = std::max(walk.back().most, static_cast<uint8_t>(most));
  }
  return "";
}

// The user-defined pieces (ModelProto.pieces of type USER_DEFINED) go into a trie that
// PrefixMatcher::PrefixMatch searches keeping up to 64 matches, but reads as many as it counts: no piece may
// have more than 64 user-defined pieces among its prefixes (itself included). "" when it holds.
std::string user_defined_error(std::vector<std::string_view> pieces) {
  constexpr size_t kMaxMatches = 64;  // normalizer.cc PrefixMatcher::PrefixMatch kResultSize
  std::sort(pieces.begin(), pieces.end());
  pieces.erase(std::unique(pieces.begin(), pieces.end()), pieces.end());
  // In sorted order the prefixes of a piece come before it, and a piece that is not a prefix of the next one
  // is a prefix of none after it: a stack holds the chain of prefixes of the current piece.
  std::vector<std::string_view> chain;
  for (const std::string_view piece : pieces) {
    while (!chain.empty() && piece.substr(0, chain.back().size()) != chain.back()) chain.pop_back();
    chain.push_back(piece);
    if (chain.size() > kMaxMatches)
      return "more than 64 of its user-defined pieces, each a prefix of the next";
  }
  return "";
}

// "" when the loaded model holds what the library does not check.
std::string model_error(const sentencepiece::SentencePieceProcessor& processor) {
  const std::string proto = processor.serialized_model_proto();
  std::vector<std::string_view> charsmaps, user_defined;
  bool nested_ok = true;
  const bool ok = for_each_field(proto, [&](uint64_t field, uint64_t, std::string_view payload) {
    if (field == 1) {  // pieces: SentencePiece {1: piece, 3: type}
      std::string_view piece;
      uint64_t type = 1;  // NORMAL
      nested_ok &= for_each_field(payload, [&](uint64_t f, uint64_t value, std::string_view bytes) {
        if (f == 1) piece = bytes;
        if (f == 3) type = value;
      });
      if (type == 4) user_defined.push_back(piece);  // USER_DEFINED
    } else if (field == 3 || field == 5) {  // normalizer_spec, denormalizer_spec: {2: precompiled_charsmap}
      nested_ok &= for_each_field(payload, [&](uint64_t f, uint64_t, std::string_view bytes) {
        if (f == 2 && !bytes.empty()) charsmaps.push_back(bytes);
      });
    }
  });
  if (!ok || !nested_ok) return "cannot read the model back";
  for (const std::string_view charsmap : charsmaps)
    if (auto error = charsmap_error(charsmap); !error.empty())
      return "malformed precompiled normalization rules: " + error;
  return user_defined_error(std::move(user_defined));
}

}  // namespace

extern "C" {

int attune_spm_api_version(void) {
  return ATTUNE_SPM_API_VERSION;
}

const char* attune_spm_last_error(void) {
  return last_error.c_str();
}

attune_spm_processor* attune_spm_load(const char* path) {
  try {
    auto processor = std::make_unique<attune_spm_processor>();
    const auto status = processor->processor.Load(path);
    if (!status.ok()) {
      last_error = status.ToString();
      return nullptr;
    }
    if (std::string error = model_error(processor->processor); !error.empty()) {
      last_error = std::move(error);
      return nullptr;
    }
    return processor.release();
  } catch (const std::exception& e) {  // e.g. darts.h "zero-length key" for an empty piece
    last_error = e.what();
    return nullptr;
  }
}

void attune_spm_free(attune_spm_processor* processor) {
  delete processor;
}

int32_t attune_spm_vocab_size(const attune_spm_processor* p) {
  return p->processor.GetPieceSize();
}
int32_t attune_spm_unk_id(const attune_spm_processor* p) {
  return p->processor.unk_id();
}
int32_t attune_spm_bos_id(const attune_spm_processor* p) {
  return p->processor.bos_id();
}
int32_t attune_spm_eos_id(const attune_spm_processor* p) {
  return p->processor.eos_id();
}
int32_t attune_spm_pad_id(const attune_spm_processor* p) {
  return p->processor.pad_id();
}

int64_t attune_spm_encode(const attune_spm_processor* p, const char* text, size_t size, int32_t* out,
                          size_t capacity) {
  try {
    std::vector<int> ids;
    const auto status = p->processor.Encode(absl::string_view(text, size), &ids);
    if (!status.ok()) {
      last_error = status.ToString();
      return -1;
    }
    for (size_t i = 0; i < ids.size() && i < capacity; ++i) out[i] = ids[i];
    return static_cast<int64_t>(ids.size());
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

int64_t attune_spm_decode(const attune_spm_processor* p, const int32_t* ids, size_t count, char* out,
                          size_t capacity) {
  try {
    std::string text;
    const auto status = p->processor.Decode(std::vector<int>(ids, ids + count), &text);
    if (!status.ok()) {
      last_error = status.ToString();
      return -1;
    }
    return copy_out(text, out, capacity);
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

int64_t attune_spm_id_to_piece(const attune_spm_processor* p, int32_t id, char* out, size_t capacity) {
  if (id < 0 || id >= p->processor.GetPieceSize()) {
    last_error = "id " + std::to_string(id) + " is out of range";
    return -1;
  }
  return copy_out(p->processor.IdToPiece(id), out, capacity);
}

int32_t attune_spm_piece_to_id(const attune_spm_processor* p, const char* piece, size_t size) {
  const std::string text(piece, size);
  const int id = p->processor.PieceToId(text);
  // PieceToId answers unk for unknown pieces: tell them apart from the unk piece itself.
  if (id == p->processor.unk_id() && p->processor.IdToPiece(id) != text) return -1;
  return id;
}

int attune_spm_train(const char* options) {
  try {
    const auto status = sentencepiece::SentencePieceTrainer::Train(options);
    if (!status.ok()) {
      last_error = status.ToString();
      return -1;
    }
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

}  // extern "C"
