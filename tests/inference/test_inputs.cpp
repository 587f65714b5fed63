#include "inference/inputs.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::inference {
namespace {

InputOptions jsonl(const std::string& field, OnError on_error = OnError::kSkip) {
  InputOptions o;
  o.format = InputFormat::kJsonLines;
  o.field = field;
  o.on_error = on_error;
  return o;
}

TEST(Inputs, PlainLinesKeepOrderAndLineNumbers) {
  const auto got = parse_inputs("whoami\r\nnet user\n\nreg save hklm\\sam s.hive\n", "in.txt", {});
  ASSERT_EQ(got.texts.size(), 3u);
  EXPECT_EQ(got.texts[0].text, "whoami");  // CR of a CRLF end removed
  EXPECT_EQ(got.texts[0].line, 1u);
  EXPECT_EQ(got.texts[1].text, "net user");
  EXPECT_EQ(got.texts[2].line, 4u);
  EXPECT_EQ(got.texts[2].text, "reg save hklm\\sam s.hive");
  ASSERT_EQ(got.skipped.size(), 1u);  // the blank line 3 is reported, not dropped
  EXPECT_EQ(got.skipped[0].line, 3u);
  EXPECT_NE(got.skipped[0].message.find("empty"), std::string::npos);
}

TEST(Inputs, PlainLinesIgnoreBomAndNeedNoFinalNewline) {
  const auto got = parse_inputs("\xEF\xBB\xBFwhoami\nipconfig", "in.txt", {});
  ASSERT_EQ(got.texts.size(), 2u);
  EXPECT_EQ(got.texts[0].text, "whoami");
  EXPECT_EQ(got.texts[1].text, "ipconfig");
  EXPECT_TRUE(got.skipped.empty());
  EXPECT_TRUE(parse_inputs("", "empty.txt", {}).texts.empty());
}

TEST(Inputs, InvalidUtf8LineIsSkippedWithItsNumber) {
  const auto got = parse_inputs("ok\nbad \xC3\x28 byte\nalso ok\n", "in.txt", {});
  ASSERT_EQ(got.texts.size(), 2u);
  EXPECT_EQ(got.texts[1].line, 3u);
  ASSERT_EQ(got.skipped.size(), 1u);
  EXPECT_EQ(got.skipped[0].line, 2u);
  EXPECT_NE(got.skipped[0].message.find("UTF-8"), std::string::npos);
}

TEST(Inputs, FailPolicyThrowsNamingOriginAndLine) {
  InputOptions o;
  o.on_error = OnError::kFail;
  try {
    parse_inputs("ok\n   \nmore\n", "cmds.txt", o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cmds.txt:2:"), std::string::npos) << e.what();
  }
}

TEST(Inputs, CsvColumnWithQuotedFieldsAndRecordLines) {
  InputOptions o;
  o.format = InputFormat::kCsv;
  o.column = "cmd";
  const std::string csv = "host,cmd\nh1,\"a \"\"quoted\"\", cmd\"\nh2,\"two\nlines\"\nh3,\nh4,last\n";
  const auto got = parse_inputs(csv, "x.csv", o);
  ASSERT_EQ(got.texts.size(), 3u);
  EXPECT_EQ(got.texts[0].text, "a \"quoted\", cmd");
  EXPECT_EQ(got.texts[0].line, 2u);
  EXPECT_EQ(got.texts[1].text, "two\nlines");
  EXPECT_EQ(got.texts[1].line, 3u);
  EXPECT_EQ(got.texts[2].text, "last");
  EXPECT_EQ(got.texts[2].line, 6u);
  ASSERT_EQ(got.skipped.size(), 1u);
  EXPECT_EQ(got.skipped[0].line, 5u);  // h3's empty text
}

TEST(Inputs, CsvMissingColumnNamesTheColumns) {
  InputOptions o;
  o.format = InputFormat::kCsv;
  o.column = "text";
  try {
    parse_inputs("host,cmd\nh1,x\n", "x.csv", o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("x.csv"), std::string::npos) << what;
    EXPECT_NE(what.find("host, cmd"), std::string::npos) << what;
  }
}

TEST(Inputs, JsonLinesNestedFieldPath) {
  const std::string content = R"({"process": {"command_line": "vssadmin delete shadows /all", "pid": 4}})"
                              "\n"
                              R"({"process": {"pid": 7}})"
                              "\n"
                              R"({"process": {"command_line": 42}})"
                              "\n"
                              "{not json\n"
                              "[1, 2]\n"
                              R"({"process": {"command_line": ""}})"
                              "\n"
                              R"({"process.command_line": "flattened ecs key"})"
                              "\n";
  const auto got = parse_inputs(content, "sysmon.jsonl", jsonl("process.command_line"));
  ASSERT_EQ(got.texts.size(), 2u);
  EXPECT_EQ(got.texts[0].text, "vssadmin delete shadows /all");
  EXPECT_EQ(got.texts[0].line, 1u);
  EXPECT_EQ(got.texts[1].text, "flattened ecs key");
  EXPECT_EQ(got.texts[1].line, 7u);
  ASSERT_EQ(got.skipped.size(), 5u);
  EXPECT_EQ(got.skipped[0].line, 2u);
  EXPECT_NE(got.skipped[0].message.find("missing field process.command_line"), std::string::npos);
  EXPECT_EQ(got.skipped[1].line, 3u);
  EXPECT_NE(got.skipped[1].message.find("expected a string"), std::string::npos);
  EXPECT_EQ(got.skipped[2].line, 4u);
  EXPECT_NE(got.skipped[2].message.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(got.skipped[3].line, 5u);
  EXPECT_NE(got.skipped[3].message.find("JSON object"), std::string::npos);
  EXPECT_EQ(got.skipped[4].line, 6u);
  EXPECT_NE(got.skipped[4].message.find("empty"), std::string::npos);
}

TEST(Inputs, JsonLinesFailPolicyStopsAtFirstBadLine) {
  const std::string content = "{\"text\": \"ok\"}\n{\"text\": \"ok\"}\n{\"txt\": \"x\"}\n{broken\n";
  try {
    parse_inputs(content, "ev.jsonl", jsonl("text", OnError::kFail));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ev.jsonl:3:"), std::string::npos) << e.what();
  }
}

TEST(Inputs, JsonAtPathResolvesArraysAndPrefersFlatKeys) {
  const auto j =
      nlohmann::json::parse(R"({"a": {"b": [{"c": "deep"}]}, "x.y": "flat", "x": {"y": "nested"}})");
  EXPECT_EQ(json_at_path(j, "a.b.0.c"), nlohmann::json("deep"));
  EXPECT_EQ(json_at_path(j, "x.y"), nlohmann::json("flat"));
  EXPECT_FALSE(json_at_path(j, "a.b.1.c").has_value());
  EXPECT_FALSE(json_at_path(j, "a.z").has_value());
  EXPECT_FALSE(json_at_path(j, "").has_value());
}

TEST(Inputs, BadFieldPathIsAnInputError) {
  EXPECT_THROW(parse_inputs("{}\n", "x.jsonl", jsonl("a..b")), InputError);
  EXPECT_THROW(parse_inputs("{}\n", "x.jsonl", jsonl("")), InputError);
}

TEST(Inputs, FormatsParseAndInfer) {
  EXPECT_EQ(parse_input_format("csv"), InputFormat::kCsv);
  EXPECT_EQ(parse_input_format("JSONL"), InputFormat::kJsonLines);
  EXPECT_EQ(parse_input_format("lines"), InputFormat::kLines);
  EXPECT_THROW(parse_input_format("xml"), InputError);
  EXPECT_EQ(infer_input_format("a/b.CSV"), InputFormat::kCsv);
  EXPECT_EQ(infer_input_format("events.ndjson"), InputFormat::kJsonLines);
  EXPECT_EQ(infer_input_format("cmds.txt"), InputFormat::kLines);
  EXPECT_EQ(parse_on_error("fail"), OnError::kFail);
  EXPECT_THROW(parse_on_error("ignore"), InputError);
}

TEST(Inputs, ArgumentTextsAreCheckedLikeLines) {
  const auto got = texts_from_arguments({"whoami", "", "net user"}, OnError::kSkip);
  ASSERT_EQ(got.texts.size(), 2u);
  EXPECT_EQ(got.texts[1].line, 3u);
  ASSERT_EQ(got.skipped.size(), 1u);
  EXPECT_EQ(got.skipped[0].line, 2u);
  EXPECT_THROW(texts_from_arguments({"ok", " "}, OnError::kFail), InputError);
}

}  // namespace
}  // namespace attune::inference

namespace attune::inference {
namespace {

TEST(Inputs, JsonLinesNestedTooDeepAreSkippedBeforeParsing) {
  InputOptions o;
  o.format = InputFormat::kJsonLines;
  const std::string deep = "{\"text\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const auto got = parse_inputs("{\"text\": \"ok\"}\n" + deep + "\n", "in.jsonl", o);
  ASSERT_EQ(got.texts.size(), 1u);
  ASSERT_EQ(got.skipped.size(), 1u);
  EXPECT_EQ(got.skipped[0].line, 2u);
  EXPECT_NE(got.skipped[0].message.find("nests deeper than 64 levels"), std::string::npos)
      << got.skipped[0].message;
}

}  // namespace
}  // namespace attune::inference
