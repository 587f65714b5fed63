// data/csv.{h,cpp}: RFC 4180 parsing, UTF-8 validation, example reading with its errors, escaping,
// atomic writes and round trips.
#include "data/csv.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <initializer_list>

#include "base/errors.h"
#include "base/file_io.h"
#include "test_paths.h"

namespace attune::data {
namespace {

namespace fs = std::filesystem;

// Runs fn, expecting an InputError whose message contains every one of `parts`.
void expect_input_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
  } catch (const InputError& e) {
    const std::string message = e.what();
    for (const auto& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    return;
  }
  ADD_FAILURE() << "expected an InputError";
}

fs::path write_file(const std::string& tag, const std::string& content) {
  const fs::path file = attune::testing::temp_dir(tag) / "data.csv";
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

TEST(Csv, ParsesQuotedCommasQuotesAndNewlines) {
  const auto table =
      parse_csv("text,label\n\"a, b\",x\n\"say \"\"hi\"\"\",y\n\"line1\nline2\",z\nplain,w\n", "t.csv");
  ASSERT_EQ(table.header, (std::vector<std::string>{"text", "label"}));
  ASSERT_EQ(table.rows.size(), 4u);
  EXPECT_EQ(table.rows[0][0], "a, b");
  EXPECT_EQ(table.rows[1][0], "say \"hi\"");
  EXPECT_EQ(table.rows[2][0], "line1\nline2");
  EXPECT_EQ(table.rows[3], (std::vector<std::string>{"plain", "w"}));
  // Each row remembers the line its record starts on (the quoted newline pushes the next one down).
  EXPECT_EQ(table.lines, (std::vector<std::size_t>{2, 3, 4, 6}));
}

TEST(Csv, CrlfAndLfGiveTheSameTable) {
  const auto lf = parse_csv("a,b\n1,\"x\ny\"\n2,3\n", "lf.csv");
  const auto crlf = parse_csv("a,b\r\n1,\"x\ny\"\r\n2,3\r\n", "crlf.csv");
  EXPECT_EQ(lf.rows, crlf.rows);
  EXPECT_EQ(lf.lines, crlf.lines);
  // No final line end, and an empty last field.
  const auto last = parse_csv("a,b\n1,", "t.csv");
  EXPECT_EQ(last.rows, (std::vector<std::vector<std::string>>{{"1", ""}}));
}

TEST(Csv, SkipsByteOrderMarkAndBlankLines) {
  const auto table = parse_csv("\xEF\xBB\xBFtext,label\n\nhello,x\r\n\r\nbye,y\n", "t.csv");
  EXPECT_EQ(table.header[0], "text");  // not "\xEF\xBB\xBFtext"
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.lines, (std::vector<std::size_t>{3, 5}));
}

TEST(Csv, AcceptsMultiByteUtf8) {
  const auto table = parse_csv("t\ncaf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \xF4\x8F\xBF\xBF\n", "t.csv");
  EXPECT_EQ(table.rows[0][0], "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \xF4\x8F\xBF\xBF");
}

TEST(Csv, RejectsInvalidUtf8WithTheLine) {
  const std::vector<std::string> bad{
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong, 3 bytes
      "\xF0\x80\x80\xAF",  // overlong, 4 bytes
      "\xED\xA0\x80",      // UTF-16 surrogate U+D800
      "\xF4\x90\x80\x80",  // past U+10FFFF
      "\xF5\x80\x80\x80",  // no such lead byte
      "\x80",              // stray continuation
      "\xC3",              // truncated at the end
      "\xE2\x82z",         // truncated in the middle
      std::string(1, '\0'),
  };
  for (const auto& bytes : bad) {
    SCOPED_TRACE(::testing::PrintToString(bytes));
    expect_input_error([&] { parse_csv("text,label\nok,x\nab" + bytes + ",y\n", "u.csv"); },
                       {"u.csv:3:", "expected UTF-8 text"});
    EXPECT_NE(invalid_utf8_offset("ab" + bytes), std::string_view::npos);
  }
  EXPECT_EQ(invalid_utf8_offset("plain ascii text, long enough for the 8-byte path"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_offset("abcdefgh\xC0\xAF"), 8u);
}

TEST(Csv, UnterminatedQuoteNamesTheLineItOpened) {
  expect_input_error([] { parse_csv("text,label\nok,x\n\"never closed,y\nmore\nlines\n", "q.csv"); },
                     {"q.csv:3:", "unterminated quoted field", "opened on line 3"});
}

TEST(Csv, RaggedRowNamesTheCounts) {
  expect_input_error([] { parse_csv("text,label,count\na,b,1\nc,d\n", "r.csv"); },
                     {"r.csv:3:", "expected 3 fields", "got 2"});
  expect_input_error([] { parse_csv("text,label\na,b,c\n", "r.csv"); },
                     {"r.csv:2:", "expected 2 fields", "got 3"});
}

TEST(Csv, RejectsMalformedQuotingAndLineEnds) {
  expect_input_error([] { parse_csv("a,b\nx\"y,z\n", "m.csv"); },
                     {"m.csv:2:", "quote inside an unquoted field"});
  expect_input_error([] { parse_csv("a,b\n\"x\"y,z\n", "m.csv"); }, {"m.csv:2:", "after a closing quote"});
  expect_input_error([] { parse_csv("a,b\rx,y\n", "m.csv"); }, {"m.csv:1:", "bare carriage return"});
  expect_input_error([] { parse_csv("", "e.csv"); }, {"e.csv", "expected a header"});
  expect_input_error([] { parse_csv("\xEF\xBB\xBF\n\n", "e.csv"); }, {"e.csv", "expected a header"});
  expect_input_error([] { parse_csv("a,a\n1,2\n", "d.csv"); }, {"d.csv:1:", "duplicate column 'a'"});
}

TEST(Csv, ReadCsvNamesAMissingFile) {
  expect_input_error([] { read_csv("/nonexistent/attune/x.csv"); },
                     {"/nonexistent/attune/x.csv", "cannot open"});
}

TEST(ReadExamples, ReadsTextLabelAndCount) {
  const auto file = write_file("ex", "label,count,text\nT1059,3,\"powershell -enc AAA\"\nT1003,1,mimikatz\n");
  const auto examples = read_examples(file);
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].text, "powershell -enc AAA");
  EXPECT_EQ(examples[0].label, "T1059");
  EXPECT_DOUBLE_EQ(examples[0].weight, 3.0);
  EXPECT_EQ(examples[0].line, 2u);
  EXPECT_DOUBLE_EQ(examples[1].weight, 1.0);

  const auto no_count =
      read_examples(write_file("ex2", "cmd,tech\nwhoami,T1033\n"), {"cmd", "tech", "count"});
  ASSERT_EQ(no_count.size(), 1u);
  EXPECT_EQ(no_count[0].label, "T1033");
  EXPECT_DOUBLE_EQ(no_count[0].weight, 1.0);
}

TEST(ReadExamples, MissingColumnListsTheHeader) {
  const auto file = write_file("mc", "text,technique\nwhoami,T1033\n");
  expect_input_error([&] { read_examples(file); },
                     {file.string() + ":1:", "missing column 'label'", "header: text,technique"});
}

TEST(ReadExamples, EmptyTextOrLabel) {
  expect_input_error([] { read_examples(write_file("et", "text,label\nok,x\n\"  \",y\n")); },
                     {":3:", "empty text in column 'text'"});
  expect_input_error([] { read_examples(write_file("el", "text,label\nok,\n")); }, {":2:", "empty label"});
}

TEST(ReadExamples, BadCount) {
  for (const std::string count : {"0", "-2", "1.5", "abc", "", " 3", "99999999999999999999"}) {
    SCOPED_TRACE(count);
    const auto file = write_file("bc", "text,label,count\nok,x,1\nwhoami,y," + count + "\n");
    expect_input_error([&] { read_examples(file); }, {":3:", "bad count '" + count + "'", "integer >= 1"});
  }
}

TEST(ReadExamples, LabelOutsideTheAllowedSet) {
  const auto file = write_file("al", "text,label\nwhoami,T1033\nnet user,T9999\n");
  const std::set<std::string> allowed{"T1033", "T1087"};
  expect_input_error([&] { read_examples(file, {}, allowed); },
                     {":3:", "label 'T9999'", "{'T1033', 'T1087'}"});
}

TEST(CsvEscape, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_escape("plain text"), "plain text");
  EXPECT_EQ(csv_escape(""), "");
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_escape("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_escape(" padded"), "\" padded\"");
}

TEST(WriteCsv, RoundTripsTrickyFields) {
  const std::vector<std::string> header{"text", "label", "count"};
  const std::vector<std::vector<std::string>> rows{
      {"cmd.exe /c \"echo a,b\"", "T1059", "2"},
      {"line1\nline2\r\nline3", "T1003", "1"},
      {"\"\"", "x", ""},
      {" leading and trailing ", "caf\xC3\xA9", "7"},
      {"", "", ""},
      {",", "\"", "\n"},
  };
  const fs::path file = attune::testing::temp_dir("rt") / "sub" / "out.csv";
  write_csv(file, header, rows);
  const auto table = read_csv(file);
  EXPECT_EQ(table.header, header);
  EXPECT_EQ(table.rows, rows);

  // A single empty column survives too (it must not turn into a skipped blank line).
  write_csv(file, {"only"}, {{""}, {"x"}, {""}});
  EXPECT_EQ(read_csv(file).rows, (std::vector<std::vector<std::string>>{{""}, {"x"}, {""}}));
}

// Found by tests/fuzz/fuzz_csv: a first header name starting with U+FEFF was written unquoted, and the
// reader took it for the file's byte-order mark.
TEST(WriteCsv, RoundTripsAFieldStartingWithAByteOrderMark) {
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(csv_escape(bom + "x"), "\"" + bom + "x\"");
  const fs::path file = attune::testing::temp_dir("bom") / "out.csv";
  for (const std::vector<std::string>& header :
       {std::vector<std::string>{bom}, std::vector<std::string>{bom + "text", "label"}}) {
    const std::vector<std::vector<std::string>> rows{std::vector<std::string>(header.size(), bom + "v")};
    write_csv(file, header, rows);
    const auto table = read_csv(file);
    EXPECT_EQ(table.header, header);
    EXPECT_EQ(table.rows, rows);
  }
}

TEST(WriteCsv, RejectsARaggedRow) {
  const fs::path file = attune::testing::temp_dir("rr") / "out.csv";
  EXPECT_THROW(write_csv(file, {"a", "b"}, {{"1"}}), std::invalid_argument);
  EXPECT_FALSE(fs::exists(file));
}

TEST(WriteFileAtomic, ReplacesTheFileAndLeavesNoTemporary) {
  const fs::path dir = attune::testing::temp_dir("atomic");
  const fs::path file = dir / "a" / "b.txt";
  write_file_atomic(file, "first");
  write_file_atomic(file, "second, longer content");
  EXPECT_EQ(read_text_file(file), "second, longer content");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "a")) ++entries;
  EXPECT_EQ(entries, 1u);
  EXPECT_THROW(write_file_atomic(file / "under_a_file", "x"), std::runtime_error);
}

TEST(Csv, Reads150kRowsWellUnderASecond) {
  // kRows: the size of a large generated training set.
  constexpr int kRows = 150000;
  std::string text = "text,label,count\n";
  for (int i = 0; i < kRows; ++i)
    text += "\"powershell.exe -NoProfile -Command \"\"Get-Process " + std::to_string(i) +
            "\"\" | Out-File c:\\temp\\p.txt\",T" + std::to_string(1000 + i % 50) + "," +
            std::to_string(1 + i % 3) + "\n";
  const fs::path file = attune::testing::temp_dir("perf") / "big.csv";
  std::ofstream(file, std::ios::binary) << text;
  const auto start = std::chrono::steady_clock::now();
  const auto examples = read_examples(file);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(examples.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(examples.back().label, "T1049");
  EXPECT_LT(seconds, 1.0) << "read_examples took " << seconds << " s for " << kRows << " rows";
}

}  // namespace
}  // namespace attune::data
