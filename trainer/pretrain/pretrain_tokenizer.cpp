#include "trainer/pretrain/pretrain_tokenizer.h"

#include <fstream>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/csv.h"
#include "data/tokenizers/bpe_trainer.h"
#include "data/tokenizers/spm_library.h"

namespace attune::trainer {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void write_json(const fs::path& file, const json& j) {
  write_file_atomic(file, j.dump(2) + "\n");
}

// An added-token entry of tokenizer_config.json's added_tokens_decoder.
json added_token(const std::string& content, bool lstrip = false) {
  return {{"content", content}, {"lstrip", lstrip},     {"normalized", false},
          {"rstrip", false},    {"single_word", false}, {"special", true}};
}

// The special-token roles of tokenizer_config.json and special_tokens_map.json: BOS is the CLS token and
// EOS the SEP token in both RoBERTa's and DeBERTa-v3's tokenizers.
json special_token_roles(const std::string& cls, const std::string& sep, const std::string& unk,
                         const std::string& pad, const std::string& mask) {
  return {{"bos_token", cls}, {"cls_token", cls}, {"eos_token", sep},  {"sep_token", sep},
          {"unk_token", unk}, {"pad_token", pad}, {"mask_token", mask}};
}

// Writes tokenizer_config.json (the roles plus `settings`) and special_tokens_map.json (the roles).
void write_tokenizer_files(const fs::path& dir, const json& roles, const json& settings) {
  json config = roles;
  config.update(settings);
  write_json(dir / "tokenizer_config.json", config);
  write_json(dir / "special_tokens_map.json", roles);
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
  write_tokenizer_files(dir, special_token_roles("<s>", "</s>", "<unk>", "<pad>", "<mask>"),
                        {{"tokenizer_class", "RobertaTokenizer"},
                         {"added_tokens_decoder", decoder},
                         {"add_prefix_space", false},
                         {"errors", "replace"},
                         {"trim_offsets", true},
                         {"model_max_length", model_max_length}});
  return {{"type", "byte-level BPE (RoBERTa)"},
          {"vocab_size", result.vocab_size},
          {"merges", result.merges},
          {"files", {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}}};
}

// Runs in `dir` for its life: SentencePiece records its input and output paths inside spm.model, so the
// trainer is given names relative to the output dir and the same run writes the same bytes wherever it
// writes them.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~WorkingDirectory() {
    std::error_code ec;
    fs::current_path(previous_, ec);
  }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  fs::path previous_;
};

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
  const std::string flags = "--input=" + corpus.filename().string() + " --model_prefix=spm" +
                            " --vocab_size=" + std::to_string(pieces) +
                            " --model_type=unigram --character_coverage=1.0 --byte_fallback=true"
                            " --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --pad_piece=[PAD] --bos_piece=[CLS]"
                            " --eos_piece=[SEP] --unk_piece=[UNK] --input_sentence_size=0"
                            " --shuffle_input_sentence=false --num_threads=1 --max_sentence_length=8192"
                            " --minloglevel=2";
  try {
    const WorkingDirectory in_dir(dir);
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
  write_tokenizer_files(dir, special_token_roles("[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]"),
                        {{"tokenizer_class", "DebertaV2Tokenizer"},
                         {"added_tokens_decoder", decoder},
                         {"do_lower_case", false},
                         {"split_by_punct", false},
                         {"vocab_type", "spm"},
                         {"model_max_length", model_max_length}});
  write_json(dir / "added_tokens.json", {{"[MASK]", pieces}});
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
