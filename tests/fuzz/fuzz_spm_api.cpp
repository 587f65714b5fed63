// The fuzz build's spm_api() (data/tokenizers/spm_library.h), in place of spm_library.cpp: the SentencePiece
// wrapper (spm_wrapper/spm_c_api.cpp) is compiled into the target, instrumented, and Debian's
// libsentencepiece is linked directly. The product dlopen()s libattune_spm with RTLD_DEEPBIND to keep its
// protobuf-lite away from libtorch's, which AddressSanitizer refuses; a fuzz target has no other protobuf
// in the process, so it needs neither. spm_library_candidates() and train_sentencepiece() are not needed by
// the tokenizer sources and are left undefined here.
#include "data/tokenizers/spm_library.h"

namespace attune::data {

const SpmApi& spm_api() {
  static const SpmApi api = [] {
    SpmApi a{};
    a.last_error = attune_spm_last_error;
    a.load = attune_spm_load;
    a.free = attune_spm_free;
    a.vocab_size = attune_spm_vocab_size;
    a.unk_id = attune_spm_unk_id;
    a.bos_id = attune_spm_bos_id;
    a.eos_id = attune_spm_eos_id;
    a.pad_id = attune_spm_pad_id;
    a.encode = attune_spm_encode;
    a.decode = attune_spm_decode;
    a.id_to_piece = attune_spm_id_to_piece;
    a.piece_to_id = attune_spm_piece_to_id;
    a.train = attune_spm_train;
    return a;
  }();
  return api;
}

}  // namespace attune::data
