#include "models/safetensors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::models {
namespace {

using attune::testing::shared_dir;
using attune::testing::temp_dir;

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Writes a raw safetensors image: 8-byte LE length, the header text, the data bytes.
std::filesystem::path write_raw(const std::string& name, const std::string& header, const std::string& data,
                                uint64_t declared_len = UINT64_MAX) {
  static const auto dir = temp_dir("safetensors-raw");
  const auto path = dir / name;
  std::ofstream out(path, std::ios::binary);
  uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header << data;
  return path;
}

// Opening `path` throws an InputError whose message names the file and contains `problem`.
void expect_rejected(const std::filesystem::path& path, const std::string& problem) {
  try {
    SafetensorsFile::open(path);
    ADD_FAILURE() << path << " was accepted, expected an error about: " << problem;
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(problem), std::string::npos)
        << "message: " << msg << "\nexpected to contain: " << problem;
  }
}

// Every supported dtype survives a write/read round trip bit for bit, with shapes (incl. scalars and
// empty tensors) and extra metadata.
TEST(Safetensors, RoundTripEveryDtype) {
  torch::manual_seed(0);
  auto base = torch::randn({3, 5}) * 100;
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"f64", base.to(torch::kDouble)},
      {"f32", base},
      {"f16", base.to(torch::kHalf)},
      {"bf16", base.to(torch::kBFloat16)},
      {"i64", base.to(torch::kLong)},
      {"i32", base.to(torch::kInt)},
      {"i16", base.to(torch::kShort)},
      {"i8", base.clamp(-100, 100).to(torch::kChar)},
      {"u8", base.abs().clamp(0, 255).to(torch::kByte)},
      {"bool", base.gt(0)},
      {"scalar", torch::tensor(3.5f)},
      {"empty", torch::zeros({0, 4})},
      {"a.transposed", base.t()},  // non-contiguous input
  };
  const auto file = temp_dir("safetensors") / "all.safetensors";
  save_safetensors(file, tensors, {{"note", "hello"}});
  auto f = SafetensorsFile::open(file);
  EXPECT_EQ(f->metadata().at("format"), "pt");
  EXPECT_EQ(f->metadata().at("note"), "hello");
  ASSERT_EQ(f->names().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    auto back = f->get(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(back, t)) << name;
  }
  EXPECT_EQ(f->entry("bf16").dtype, "BF16");
  EXPECT_EQ(f->entry("bool").dtype, "BOOL");
  auto all = load_safetensors(file);
  EXPECT_EQ(all.size(), tensors.size());
}

// The writer lays out the header as the reference does: `__metadata__` first, names sorted, data in that
// order, header padded with spaces to a multiple of 8; no temporary file is left behind.
TEST(Safetensors, WriterLayoutAndAtomicity) {
  const auto dir = temp_dir("safetensors-layout");
  const auto file = dir / "m.safetensors";
  save_safetensors(file, {{"b", torch::ones({2})}, {"a", torch::zeros({3}, torch::kInt)}});
  const auto bytes = read_bytes(file);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.rfind(
                "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"I32\",\"shape\":[3],"
                "\"data_offsets\":[0,12]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
                0),
            0u)
      << header;
  EXPECT_EQ(header[header.find_last_not_of(' ')], '}') << "only spaces may follow the JSON";
  EXPECT_EQ(bytes.size(), 8 + n + 20);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_THROW(save_safetensors(file, {{"a", torch::ones({1})}, {"a", torch::ones({1})}}), InputError);
  EXPECT_THROW(save_safetensors(file, {{"__metadata__", torch::ones({1})}}), InputError);
  EXPECT_THROW(save_safetensors(dir / "missing-dir" / "x.safetensors", {{"a", torch::ones({1})}}),
               InputError);
}

// Every golden file (written by the reference-layout writer) loads, and re-saving HF's model.safetensors
// reproduces it byte for byte.
TEST(Safetensors, GoldenFilesLoadAndRewriteIdentically) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared_dir() / "golden")) {
    if (e.path().extension() != ".safetensors") continue;
    auto f = SafetensorsFile::open(e.path());
    EXPECT_FALSE(f->names().empty()) << e.path();
    for (const auto& name : f->names()) EXPECT_TRUE(f->get(name).defined());
    ++files;
  }
  EXPECT_GE(files, 12);
  for (const char* model : {"roberta", "bert", "deberta_v2"}) {
    const auto src = shared_dir() / "golden" / model / "model.safetensors";
    const auto dst = temp_dir("safetensors-golden") / "model.safetensors";
    save_safetensors(dst, load_safetensors(src));
    EXPECT_EQ(read_bytes(dst), read_bytes(src)) << model;
  }
}

// Two valid tensors "a" [2] F32 (bytes 0..8) and "b" [1] F32 (8..12), for corrupting one field at a time.
const char* kGoodHeader =
    R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
const std::string kGoodData(12, '\1');

TEST(Safetensors, AcceptsTheWellFormedBaseline) {
  auto f = SafetensorsFile::open(write_raw("good.safetensors", kGoodHeader, kGoodData));
  EXPECT_EQ(f->names(), (std::vector<std::string>{"a", "b"}));
}

// Each corruption is an InputError naming the file and the problem, detected before data is read.
TEST(Safetensors, RejectsTruncatedFiles) {
  const auto tiny = temp_dir("safetensors-short") / "tiny.safetensors";
  std::ofstream(tiny, std::ios::binary) << "abc";
  expect_rejected(tiny, "shorter than the 8-byte header length");
  expect_rejected(write_raw("cut-header.safetensors", kGoodHeader, "", /*declared_len=*/4000), "truncated");
  expect_rejected(write_raw("cut-data.safetensors", kGoodHeader, kGoodData.substr(0, 10)), "truncated");
}

TEST(Safetensors, RejectsOversizedHeader) {
  expect_rejected(write_raw("huge.safetensors", kGoodHeader, kGoodData, /*declared_len=*/200'000'000),
                  "exceeds the limit");
  expect_rejected(write_raw("huge2.safetensors", kGoodHeader, kGoodData, /*declared_len=*/UINT64_MAX - 1),
                  "exceeds the limit");
}

TEST(Safetensors, RejectsNonJsonAndNonObjectHeaders) {
  expect_rejected(write_raw("nonjson.safetensors", "{\"a\": [1, 2", ""), "not valid JSON");
  expect_rejected(write_raw("array.safetensors", "[1,2]", ""), "not a JSON object");
  expect_rejected(write_raw("entry.safetensors", R"({"a": 5})", ""), "tensor 'a' is not a JSON object");
  expect_rejected(write_raw("meta.safetensors", R"({"__metadata__": {"k": 1}})", ""), "is not a string");
}

TEST(Safetensors, RejectsBadDtypesAndShapes) {
  expect_rejected(
      write_raw("dtype.safetensors", R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})",
                std::string(1, '\0')),
      "unsupported dtype \"F8_E4M3\"");
  expect_rejected(write_raw("neg.safetensors", R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                            std::string(4, '\0')),
                  "not a non-negative integer");
  expect_rejected(
      write_raw("noshape.safetensors", R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", std::string(4, '\0')),
      "no \"shape\" array");
  expect_rejected(write_raw("overflow.safetensors",
                            R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                            std::string(8, '\0')),
                  "overflows");
}

TEST(Safetensors, RejectsWrongByteCount) {
  expect_rejected(write_raw("count.safetensors", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                            std::string(8, '\0')),
                  "has 8 bytes but dtype F32 × shape [3] needs 12");
}

TEST(Safetensors, RejectsOverlapsGapsAndOutOfRangeOffsets) {
  expect_rejected(
      write_raw(
          "overlap.safetensors",
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          kGoodData),
      "overlaps");
  expect_rejected(
      write_raw(
          "gap.safetensors",
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
          kGoodData),
      "gap");
  expect_rejected(
      write_raw("first.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", kGoodData),
      "expected 0");
  expect_rejected(
      write_raw("range.safetensors", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", kGoodData),
      "truncated");
  expect_rejected(write_raw("trailing.safetensors", kGoodHeader, kGoodData + "xx"), "trailing bytes");
  expect_rejected(write_raw("reversed.safetensors",
                            R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", kGoodData),
                  "end before begin");
  expect_rejected(
      write_raw("offs.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd"),
      "data_offsets");
}

TEST(Safetensors, RejectsMissingFilesAndDirectories) {
  EXPECT_THROW(SafetensorsFile::open("/nonexistent/x.safetensors"), InputError);
  EXPECT_THROW(SafetensorsFile::open(temp_dir("safetensors-dir")), InputError);
  auto f = SafetensorsFile::open(write_raw("good2.safetensors", kGoodHeader, kGoodData));
  EXPECT_THROW(f->get("zzz"), InputError);
}

// A sharded checkpoint loads through its index; shard names must be plain files holding their tensors.
TEST(Safetensors, ShardedIndex) {
  const auto dir = temp_dir("safetensors-shards");
  save_safetensors(dir / "model-00001-of-00002.safetensors", {{"a", torch::ones({2})}});
  save_safetensors(dir / "model-00002-of-00002.safetensors", {{"b", torch::zeros({3})}});
  nlohmann::json index = {
      {"metadata", {{"total_size", 20}}},
      {"weight_map", {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00002-of-00002.safetensors"}}}};
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  auto all = load_safetensors(dir / "model.safetensors.index.json");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "a");
  EXPECT_TRUE(torch::equal(all[1].second, torch::zeros({3})));

  index["weight_map"]["b"] = "../model-00002-of-00002.safetensors";
  std::ofstream(dir / "bad.safetensors.index.json") << index.dump();
  EXPECT_THROW(load_safetensors(dir / "bad.safetensors.index.json"), InputError);
  index["weight_map"]["b"] = "model-00001-of-00002.safetensors";
  std::ofstream(dir / "lacks.safetensors.index.json") << index.dump();
  EXPECT_THROW(load_safetensors(dir / "lacks.safetensors.index.json"), InputError);
}

}  // namespace
}  // namespace attune::models
