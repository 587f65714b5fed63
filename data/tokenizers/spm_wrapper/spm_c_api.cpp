#include "spm_c_api.h"  // attune_spm has no include path of its own

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
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
    auto* processor = new attune_spm_processor();
    const auto status = processor->processor.Load(path);
    if (!status.ok()) {
      last_error = status.ToString();
      delete processor;
      return nullptr;
    }
    return processor;
  } catch (const std::exception& e) {
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
