// The C interface of libattune_spm, the small shared library that wraps SentencePiece (processor and
// trainer). attune_data never links SentencePiece: Debian's libsentencepiece carries its own protobuf-lite,
// which clashes with the protobuf libtorch loads, so data/tokenizers/spm_library.cpp dlopens this library
// with RTLD_LOCAL | RTLD_DEEPBIND. Only C types cross the boundary, and no exception does: functions report
// failure by their return value and leave a message for attune_spm_last_error().
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Bumped whenever a signature below changes; the loader refuses another version.
#define ATTUNE_SPM_API_VERSION 1

typedef struct attune_spm_processor attune_spm_processor;

int attune_spm_api_version(void);
// The message of the last failure on this thread ("" if none).
const char* attune_spm_last_error(void);

// Loads a .model file; NULL on failure.
attune_spm_processor* attune_spm_load(const char* path);
void attune_spm_free(attune_spm_processor* processor);

int32_t attune_spm_vocab_size(const attune_spm_processor* processor);
// Special ids of the model (-1 where it has none).
int32_t attune_spm_unk_id(const attune_spm_processor* processor);
int32_t attune_spm_bos_id(const attune_spm_processor* processor);
int32_t attune_spm_eos_id(const attune_spm_processor* processor);
int32_t attune_spm_pad_id(const attune_spm_processor* processor);

// Encodes text[0, size) (NULs allowed). Writes up to capacity ids to out and returns how many the text has
// (call again with a larger buffer when that exceeds capacity); -1 on failure.
int64_t attune_spm_encode(const attune_spm_processor* processor, const char* text, size_t size, int32_t* out,
                          size_t capacity);
// Decodes ids into out (up to capacity bytes, not NUL-terminated); returns the full length, -1 on failure.
int64_t attune_spm_decode(const attune_spm_processor* processor, const int32_t* ids, size_t count, char* out,
                          size_t capacity);
// The piece of id into out as above; -1 when id is out of range.
int64_t attune_spm_id_to_piece(const attune_spm_processor* processor, int32_t id, char* out, size_t capacity);
// The id of piece[0, size), or -1 when the model has no such piece.
int32_t attune_spm_piece_to_id(const attune_spm_processor* processor, const char* piece, size_t size);

// Runs SentencePieceTrainer::Train with a flag string ("--input=... --model_prefix=... --vocab_size=...");
// 0 on success, -1 on failure.
int attune_spm_train(const char* options);

#ifdef __cplusplus
}
#endif
