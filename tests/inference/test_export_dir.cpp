// inference/export_dir.h's tokenizer_config.json: written where the tokenizer had none, completed where it
// had one (its other fields kept, model_max_length replaced), do_lower_case set only for lower-casing runs,
// and a broken file named in the error.
#include "inference/export_dir.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/tokenizers/term_tokenizer.h"
#include "models/model_factory.h"
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

// A small exportable classifier (a TF-IDF + LR model) and its fitted tokenizer in `root`/tokenizer.
struct SmallModel {
  std::shared_ptr<models::SequenceClassifier> model;
  Preprocessing pre;
};
SmallModel small_model(const std::filesystem::path& root) {
  const auto tokenizer = data::TermTokenizer::fit({"ls -la /tmp", "cat /etc/passwd"}, {}, {});
  tokenizer->save(root / "tokenizer");
  auto config = models::default_hf_config(models::kTfidfLogregModelType);
  config.vocab_size = tokenizer->vocab_size();
  models::set_labels(config, {"Normal", "T1003.008"});
  SmallModel m{models::create_model(config), {}};
  m.pre.labels = {"Normal", "T1003.008"};
  return m;
}

TEST(ExportDir, MergedExportReplacesTheDirWholeAndLeavesNoPartialDir) {
  namespace fs = std::filesystem;
  const auto root = attune::testing::temp_dir("export-atomic");
  auto [model, pre] = small_model(root);
  // What an earlier export left, and a partial dir a killed one left.
  fs::create_directories(root / "merged");
  write_file_atomic(root / "merged/stale.txt", "from an older export");
  fs::create_directories(root / "merged.partial");
  write_file_atomic(root / "merged.partial/merges.txt", "");
  export_merged(root / "merged", *model, root / "tokenizer", pre, torch::kFloat);
  EXPECT_FALSE(fs::exists(root / "merged.partial"));
  EXPECT_FALSE(fs::exists(root / "merged/stale.txt"));
  EXPECT_FALSE(fs::exists(root / "merged/merges.txt"));
  for (const char* f : {"config.json", "model.safetensors", "tfidf_vectorizer.json", "attune.json"})
    EXPECT_TRUE(fs::exists(root / "merged" / f)) << f;
  EXPECT_EQ(load_model_dir(root / "merged").labels.labels(), pre.labels);
  EXPECT_FALSE(fs::exists(root / "merged.old"));
}

// What only looks like an export is refused: a dir still being written or replaced, an empty file; a
// dir without attune.json is read with defaults, and says so.
TEST(ExportDir, IncompleteDirsAreRefusedAndDefaultsAreNamed) {
  namespace fs = std::filesystem;
  const auto root = attune::testing::temp_dir("export-incomplete");
  auto [model, pre] = small_model(root);
  export_merged(root / "merged", *model, root / "tokenizer", pre, torch::kFloat);
  EXPECT_TRUE(load_model_dir(root / "merged").notes.empty());

  auto message = [](const fs::path& dir) {
    try {
      load_model_dir(dir);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  fs::copy(root / "merged", root / "merged.partial", fs::copy_options::recursive);
  EXPECT_NE(message(root / "merged.partial").find("being written or replaced"), std::string::npos);
  fs::copy(root / "merged", root / "cut", fs::copy_options::recursive);
  std::ofstream(root / "cut/config.json", std::ios::trunc).close();
  EXPECT_NE(message(root / "cut").find("config.json: empty file"), std::string::npos)
      << message(root / "cut");

  fs::copy(root / "merged", root / "plain", fs::copy_options::recursive);
  fs::remove(root / "plain/attune.json");
  for (const char* text : {R"({"max_length": 1e400})", R"({"labels": 5})", "{"}) {
    std::ofstream(root / "merged/attune.json", std::ios::trunc) << text;
    EXPECT_NE(message(root / "merged").find("attune.json"), std::string::npos) << text;
  }
  const auto plain = load_model_dir(root / "plain");
  ASSERT_EQ(plain.notes.size(), 1u);
  EXPECT_NE(plain.notes[0].find("no attune.json"), std::string::npos) << plain.notes[0];
}

// max_length was read with get<int64_t> whatever the number: 128.5 became 128, and 2.9e21 (found by
// fuzz_export_files) was a float-to-integer conversion out of range, undefined behaviour.
TEST(ExportDir, MaxLengthMustBeAnInteger) {
  const auto dir = attune::testing::temp_dir("export-max-length");
  for (const char* max_length : {"128.5", "2.9e21", "-1e300", "\"128\""}) {
    write_file_atomic(
        dir / kAttuneFile,
        std::string(R"({"lowercase": false, "labels": ["Benign"], "max_length": )") + max_length + "}");
    try {
      read_preprocessing(dir);
      ADD_FAILURE() << max_length << ": accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("attune.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("max_length"), std::string::npos) << e.what();
    }
  }
  write_file_atomic(dir / kAttuneFile, R"({"lowercase": false, "labels": ["Benign"], "max_length": 128})");
  EXPECT_EQ(read_preprocessing(dir).max_length, 128);
}

// nlohmann copies a value recursively: a backbone record nested deep enough overflowed the stack when
// read_preprocessing copied it (100,000 levels under the sanitizers, 1,000,000 in the release build: predict
// would die of SIGSEGV, not exit 2). attune.json is refused above kMaxJsonDepth levels before it is parsed,
// as the tokenizer files are. Found by reading the readers' paths for fuzz_export_files (its inputs stop at
// 4 KB).
TEST(ExportDir, DeeplyNestedAttuneJsonIsRefusedBeforeParsing) {
  const auto dir = attune::testing::temp_dir("export-deep-attune");
  const int depth = 1000000;
  const std::string head = R"({"lowercase": false, "max_length": 128, "labels": ["Benign"], "backbone": )";
  write_file_atomic(dir / kAttuneFile, head + std::string(depth, '[') + std::string(depth, ']') + "}");
  try {
    read_preprocessing(dir);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("attune.json: the JSON nests deeper than 64 levels"),
              std::string::npos)
        << e.what();
  }
  write_file_atomic(dir / kAttuneFile, head + R"({"name": "x"}})");
  EXPECT_EQ(read_preprocessing(dir).backbone["name"], "x");
}

}  // namespace
}  // namespace attune::inference
