// The tokenizer of an encoder pretrained from scratch, trained on its corpus and written as the Hugging
// Face files of the architecture's own tokenizer:
//   bpe      byte-level BPE, RoBERTa's vocab.json + merges.txt (+ tokenizer_config.json: RobertaTokenizer)
//   unigram  SentencePiece unigram, DeBERTa-v3's spm.model with [PAD]=0 [CLS]=1 [SEP]=2 [UNK]=3 and
//            [MASK] added after the pieces (tokenizer_config.json: DebertaV2Tokenizer, added_tokens.json)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trainer/config.h"

namespace attune::trainer {

// Trains on `lines` and writes the files into `dir` (created). Returns what it wrote, for the record:
// {"type", "vocab_size", "files"}. InputError for a bad setting (vocab too small), with the trainer's reason.
nlohmann::json train_pretraining_tokenizer(const PretrainTokenizerConfig& config,
                                           const std::vector<std::string>& lines,
                                           const std::filesystem::path& dir, int64_t model_max_length);

}  // namespace attune::trainer
