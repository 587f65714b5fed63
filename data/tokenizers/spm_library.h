// Run-time access to libattune_spm (spm_wrapper/spm_c_api.h), the wrapper around SentencePiece that
// attune_data must not link (its protobuf-lite clashes with libtorch's protobuf). The library is found at
//   1. $ATTUNE_SPM_LIBRARY, 2. the path it was built at, 3. ../lib/<its file name> beside /proc/self/exe
// and loaded once with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/tokenizers/spm_wrapper/spm_c_api.h"

namespace attune::data {

// The wrapper's functions, resolved from the loaded library.
struct SpmApi {
  const char* (*last_error)();
  attune_spm_processor* (*load)(const char*);
  void (*free)(attune_spm_processor*);
  std::int32_t (*vocab_size)(const attune_spm_processor*);
  std::int32_t (*unk_id)(const attune_spm_processor*);
  std::int32_t (*bos_id)(const attune_spm_processor*);
  std::int32_t (*eos_id)(const attune_spm_processor*);
  std::int32_t (*pad_id)(const attune_spm_processor*);
  std::int64_t (*encode)(const attune_spm_processor*, const char*, std::size_t, std::int32_t*, std::size_t);
  std::int64_t (*decode)(const attune_spm_processor*, const std::int32_t*, std::size_t, char*, std::size_t);
  std::int64_t (*id_to_piece)(const attune_spm_processor*, std::int32_t, char*, std::size_t);
  std::int32_t (*piece_to_id)(const attune_spm_processor*, const char*, std::size_t);
  int (*train)(const char*);
};

// Every member of SpmApi, each the wrapper function attune_spm_<member>: X(member) once for each, so that
// the loader (spm_library.cpp) and the fuzz build's direct binding (tests/fuzz/fuzz_spm_api.cpp) fill the
// same table.
#define ATTUNE_SPM_API_MEMBERS(X)                                                                          \
  X(last_error)                                                                                            \
  X(load) X(free) X(vocab_size) X(unk_id) X(bos_id) X(eos_id) X(pad_id) X(encode) X(decode) X(id_to_piece) \
      X(piece_to_id) X(train)

// Loads the library on first use; throws std::runtime_error naming every path tried (and how to point
// ATTUNE_SPM_LIBRARY at it) when it cannot be loaded or is of another API version.
const SpmApi& spm_api();

// Where spm_api() looks, in order (for messages and tests).
std::vector<std::string> spm_library_candidates();

// Trains a SentencePiece model: SentencePieceTrainer::Train(flags), e.g.
// "--input=corpus.txt --model_prefix=/dir/spm --vocab_size=8000 --model_type=unigram". Throws InputError with
// SentencePiece's message when training fails (bad flags, unreadable input, vocab_size too large, ...).
void train_sentencepiece(const std::string& flags);

}  // namespace attune::data
