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
#define ATTUNE_SPM_BIND(member) a.member = attune_spm_##member;
    ATTUNE_SPM_API_MEMBERS(ATTUNE_SPM_BIND)
#undef ATTUNE_SPM_BIND
    return a;
  }();
  return api;
}

}  // namespace attune::data
