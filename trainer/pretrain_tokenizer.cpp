#include "trainer/pretrain_tokenizer.h"

#include <fstream>

#include "data/csv.h"
#include "data/errors.h"
#include "data/tokenizers/bpe_trainer.h"
#include "data/tokenizers/spm_library.h"

namespace attune::trainer {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void write_json(const fs::path& file, const json& j) {
  data::write_file_atomic(file, j.dump(2) + "\n");
}

// An added-token entry of tokenizer_config.json's added_tokens_decoder.
json added_token(const std::string& content, bool lstrip = false) {
  return {{"content", content}, {"lstrip", lstrip},     {"normalized", false},
          {"rstrip", false},    {"single_word", false}, {"special", true}};
}

json train_bpe(const PretrainTokenizerConfig& c, const std::vector<std::string>& lines, const fs::path& dir,
               int64_t model_max_length) {
  data::BpeTrainerOptions options;
  options.vocab_size = c.vocab_size;
  options.min_frequency = c.min_frequency;
  const auto result = data::train_byte_level_bpe(lines, options, dir);
  // RoBERTa's special tokens, ids 0..4 in BpeTrainerOptions' order.
  json decoder = json::object();
  for (size_t i = 0; i < options.special_tokens.size(); ++i)
    decoder[std::to_string(i)] =
        added_token(options.special_tokens[i], options.special_tokens[i] == "<mask>");
  write_json(dir / "tokenizer_config.json", {{"tokenizer_class", "RobertaTokenizer"},
                                             {"added_tokens_decoder", decoder},
                                             {"bos_token", "<s>"},
                                             {"cls_token", "<s>"},
                                             {"eos_token", "</s>"},
                                             {"sep_token", "</s>"},
                                             {"unk_token", "<unk>"},
                                             {"pad_token", "<pad>"},
                                             {"mask_token", "<mask>"},
                                             {"add_prefix_space", false},
                                             {"errors", "replace"},
                                             {"trim_offsets", true},
                                             {"model_max_length", model_max_length}});
  write_json(dir / "special_tokens_map.json", {{"bos_token", "<s>"},
                                               {"cls_token", "<s>"},
                                               {"eos_token", "</s>"},
                                               {"sep_token", "</s>"},
                                               {"unk_token", "<unk>"},
                                               {"pad_token", "<pad>"},
                                               {"mask_token", "<mask>"}});
  return {{"type", "byte-level BPE (RoBERTa)"},
          {"vocab_size", result.vocab_size},
          {"merges", result.merges},
          {"files", {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}}};
}

json train_unigram(const PretrainTokenizerConfig& c, const std::vector<std::string>& lines,
                   const fs::path& dir, int64_t model_max_length) {
  const fs::path corpus = dir / "spm_corpus.tmp.txt";
  {
    std::ofstream out(corpus, std::ios::binary);
    for (const auto& line : lines)
      if (line.find('\n') == std::string::npos && !line.empty()) out << line << "\n";
    if (!out) throw InputError(corpus.string() + ": cannot write the tokenizer's training text");
  }
  // The [MASK] token is added after the pieces, as in DeBERTa-v3 (its id is the piece count).
  const int64_t pieces = c.vocab_size - 1;
  const std::string flags = "--input=" + corpus.string() + " --model_prefix=" + (dir / "spm").string() +
                            " --vocab_size=" + std::to_string(pieces) +
                            " --model_type=unigram --character_coverage=1.0 --byte_fallback=true"
                            " --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --pad_piece=[PAD] --bos_piece=[CLS]"
                            " --eos_piece=[SEP] --unk_piece=[UNK] --input_sentence_size=0"
                            " --shuffle_input_sentence=false --num_threads=1 --max_sentence_length=8192"
                            " --minloglevel=2";
  try {
    data::train_sentencepiece(flags);
  } catch (...) {
    fs::remove(corpus);
    throw;
  }
  fs::remove(corpus);
  fs::remove(dir / "spm.vocab");
  json decoder = {{"0", added_token("[PAD]")},
                  {"1", added_token("[CLS]")},
                  {"2", added_token("[SEP]")},
                  {"3", added_token("[UNK]")},
                  {std::to_string(pieces), added_token("[MASK]")}};
  write_json(dir / "tokenizer_config.json", {{"tokenizer_class", "DebertaV2Tokenizer"},
                                             {"added_tokens_decoder", decoder},
                                             {"bos_token", "[CLS]"},
                                             {"cls_token", "[CLS]"},
                                             {"eos_token", "[SEP]"},
                                             {"sep_token", "[SEP]"},
                                             {"unk_token", "[UNK]"},
                                             {"pad_token", "[PAD]"},
                                             {"mask_token", "[MASK]"},
                                             {"do_lower_case", false},
                                             {"split_by_punct", false},
                                             {"vocab_type", "spm"},
                                             {"model_max_length", model_max_length}});
  write_json(dir / "added_tokens.json", {{"[MASK]", pieces}});
  write_json(dir / "special_tokens_map.json", {{"bos_token", "[CLS]"},
                                               {"cls_token", "[CLS]"},
                                               {"eos_token", "[SEP]"},
                                               {"sep_token", "[SEP]"},
                                               {"unk_token", "[UNK]"},
                                               {"pad_token", "[PAD]"},
                                               {"mask_token", "[MASK]"}});
  return {{"type", "SentencePiece unigram (DeBERTa-v3)"},
          {"vocab_size", c.vocab_size},
          {"files", {"spm.model", "tokenizer_config.json", "added_tokens.json", "special_tokens_map.json"}}};
}

}  // namespace

json train_pretraining_tokenizer(const PretrainTokenizerConfig& config, const std::vector<std::string>& lines,
                                 const fs::path& dir, int64_t model_max_length) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the tokenizer dir: " + ec.message());
  if (config.train == "bpe") return train_bpe(config, lines, dir, model_max_length);
  if (config.train == "unigram") return train_unigram(config, lines, dir, model_max_length);
  throw InputError("pretrain.tokenizer.train: expected bpe or unigram to train a tokenizer, got '" +
                   config.train + "'");
}

}  // namespace attune::trainer
