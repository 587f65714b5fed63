// Reading tokenizer_config.json, special_tokens_map.json and added_tokens.json.
#include "data/tokenizers/tokenizer_config.h"

#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::data {
namespace {

TEST(TokenizerConfig, EmptyDirGivesDefaults) {
  const auto config = read_tokenizer_config(testing::temp_dir("cfg-empty"));
  EXPECT_FALSE(config.do_lower_case.has_value());
  EXPECT_FALSE(config.model_max_length.has_value());
  EXPECT_TRUE(config.special_tokens.empty());
  EXPECT_TRUE(config.added_tokens.empty());
}

TEST(TokenizerConfig, ReadsDebertaV3Files) {
  ATTUNE_REQUIRE_SHARED("tokenizers/deberta-v3");
  const auto config = read_tokenizer_config(testing::shared_dir() / "tokenizers/deberta-v3");
  EXPECT_EQ(config.do_lower_case, false);
  EXPECT_FALSE(config.model_max_length.has_value());  // 1e30 means "no limit"
  EXPECT_EQ(config.special_tokens.at("cls_token"), "[CLS]");
  EXPECT_EQ(config.special_tokens.at("mask_token"), "[MASK]");
  EXPECT_EQ(config.tokenizer_class, "DebertaV2Tokenizer");
  const auto mask = std::find_if(config.added_tokens.begin(), config.added_tokens.end(),
                                 [](const AddedToken& t) { return t.content == "[MASK]"; });
  ASSERT_NE(mask, config.added_tokens.end());
  EXPECT_EQ(mask->id, 128000);
}

TEST(TokenizerConfig, ReadsStringAndObjectTokensAndFlags) {
  const auto dir = testing::temp_dir("cfg-flags");
  std::ofstream(dir / "tokenizer_config.json") << R"({
    "do_lower_case": true, "model_max_length": 512, "cls_token": "<s>",
    "mask_token": {"content": "<mask>", "lstrip": true, "rstrip": false, "__type": "AddedToken"},
    "added_tokens_decoder": {"7": {"content": "<x>", "rstrip": true}}})";
  std::ofstream(dir / "added_tokens.json") << R"({"<y>": 9, "<x>": 7})";
  const auto config = read_tokenizer_config(dir);
  EXPECT_EQ(config.do_lower_case, true);
  EXPECT_EQ(config.model_max_length, 512);
  EXPECT_EQ(config.special_tokens.at("cls_token"), "<s>");
  ASSERT_EQ(config.added_tokens.size(), 3u);
  EXPECT_EQ(config.added_tokens[0].content, "<mask>");
  EXPECT_TRUE(config.added_tokens[0].lstrip);
  EXPECT_EQ(config.added_tokens[1].content, "<x>");
  EXPECT_EQ(config.added_tokens[1].id, 7);
  EXPECT_TRUE(config.added_tokens[1].rstrip);  // added_tokens.json does not reset the flags
  EXPECT_EQ(config.added_tokens[2].id, 9);
}

TEST(TokenizerConfig, MalformedFilesNameFileAndKey) {
  const auto dir = testing::temp_dir("cfg-bad");
  std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": "yes"})";
  try {
    read_tokenizer_config(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json: key do_lower_case"), std::string::npos);
  }
  std::ofstream(dir / "tokenizer_config.json") << "{not json";
  EXPECT_THROW(read_tokenizer_config(dir), InputError);
  std::ofstream(dir / "tokenizer_config.json") << "{}";
  std::ofstream(dir / "added_tokens.json") << R"({"<y>": "nine"})";
  EXPECT_THROW(read_tokenizer_config(dir), InputError);
}

// Found by tests/fuzz/fuzz_tokenizer_*: a number beyond double's range is JSON nlohmann reads with an
// out_of_range error, not a parse_error, and it escaped read_json_file as a library exception.
TEST(TokenizerConfig, ANumberOutOfRangeIsAnInputError) {
  const auto dir = testing::temp_dir("cfg-range");
  std::ofstream(dir / "tokenizer_config.json") << R"({"model_max_length": 2e400})";
  try {
    read_tokenizer_config(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json: not valid JSON"), std::string::npos)
        << e.what();
  }
  std::ofstream(dir / "vocab.json") << "-2e323[2";
  EXPECT_THROW(read_json_file(dir / "vocab.json"), InputError);
}

}  // namespace
}  // namespace attune::data
