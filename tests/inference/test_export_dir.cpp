// inference/export_dir.h's tokenizer_config.json: written where the tokenizer had none, completed where it
// had one (its other fields kept, model_max_length replaced), do_lower_case set only for lower-casing runs,
// and a broken file named in the error.
#include "inference/export_dir.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/errors.h"
#include "base/file_io.h"
#include "test_paths.h"

namespace attune::inference {
namespace {

nlohmann::json read(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

TEST(ExportDir, TokenizerConfigCarriesTheTrainedMaxLengthAndLowerCasing) {
  const auto dir = attune::testing::temp_dir("export-tokenizer-config");
  Preprocessing pre;
  pre.max_length = 128;
  write_tokenizer_config(dir, pre);
  auto j = read(dir / "tokenizer_config.json");
  EXPECT_EQ(j["model_max_length"], 128);
  EXPECT_FALSE(j.contains("do_lower_case"));

  write_file_atomic(
      dir / "tokenizer_config.json",
      R"({"model_max_length": 64, "tokenizer_class": "RobertaTokenizer", "do_lower_case": false})");
  pre.lowercase = true;
  write_tokenizer_config(dir, pre);
  j = read(dir / "tokenizer_config.json");
  EXPECT_EQ(j["model_max_length"], 128);
  EXPECT_EQ(j["tokenizer_class"], "RobertaTokenizer");
  EXPECT_EQ(j["do_lower_case"], true);

  // A tokenizer that lower-cases by itself (an uncased vocabulary) keeps doing so without attune's
  // lower-casing.
  write_file_atomic(dir / "tokenizer_config.json", R"({"do_lower_case": true})");
  pre.lowercase = false;
  write_tokenizer_config(dir, pre);
  EXPECT_EQ(read(dir / "tokenizer_config.json")["do_lower_case"], true);

  write_file_atomic(dir / "tokenizer_config.json", "{oops");
  try {
    write_tokenizer_config(dir, pre);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json: not valid JSON"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace attune::inference
