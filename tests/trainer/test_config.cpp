// trainer/config.{h,cpp} and config_schema.{h,cpp}: reading, validation messages, --set overrides,
// resolution of derived defaults, the resolved YAML round trip, and every file in configs/.
#include "trainer/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <initializer_list>

#include "base/errors.h"
#include "test_paths.h"
#include "trainer/config_schema.h"

namespace attune::trainer {
namespace {

namespace fs = std::filesystem;

// The smallest valid config: a model and three data files. kMinimal ends inside `data`, so lines
// appended with two spaces of indent are data keys; kModel + more model keys + kData is the other way.
const std::string kModel =
    "model:\n"
    "  name_or_path: roberta-base\n";
const std::string kData =
    "data:\n"
    "  train_file: d/train.csv\n"
    "  validation_file: d/validation.csv\n"
    "  test_file: d/test.csv\n";
const std::string kMinimal = kModel + kData;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  const std::string message = error_of(fn);
  for (const auto& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line expected: " << message;
}

Config parse(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  std::vector<Override> overrides;
  for (const auto& s : sets) overrides.push_back(parse_override(s));
  return parse_config(yaml, "cfg.yaml", overrides);
}

TEST(Config, MinimalConfigGetsTheDefaults) {
  const Config c = parse_config(kMinimal, "configs/my_run.yaml");
  EXPECT_EQ(c.model.name_or_path, "roberta-base");
  EXPECT_EQ(c.model.fallback, "none");
  EXPECT_EQ(c.model.max_length, 128);
  EXPECT_FALSE(c.model.random_init.has_value());
  EXPECT_EQ(c.data.text_column, "text");
  EXPECT_FALSE(c.data.labels.has_value());
  EXPECT_EQ(c.peft.method, "lora");
  EXPECT_EQ(c.peft.r, 8);
  EXPECT_DOUBLE_EQ(c.peft.lora_alpha, 16);
  EXPECT_TRUE(c.peft.target_modules.empty());
  EXPECT_FALSE(c.peft.modules_to_save.has_value());
  EXPECT_DOUBLE_EQ(c.training.learning_rate, 2e-4);
  EXPECT_EQ(c.training.max_steps, -1);
  EXPECT_TRUE(c.training.bf16);
  EXPECT_EQ(c.training.output_dir, "runs/my_run");
  EXPECT_FALSE(c.training.greater_is_better);  // eval_loss: lower is better
  EXPECT_TRUE(c.export_.adapter);              // lora
  EXPECT_EQ(c.export_.dir, "runs/my_run/export");
  EXPECT_EQ(c.source, "configs/my_run.yaml");
  EXPECT_EQ(c.where("data.train_file"), "configs/my_run.yaml:4");
}

TEST(Config, MisspelledKeyNamesPathLineAndSuggestion) {
  expect_error([] { parse(kMinimal + "training:\n  seed: 3\n  learnig_rate: 1e-4\n"); },
               {"cfg.yaml:9:", "unknown key 'training.learnig_rate'", "(did you mean 'learning_rate'?)"});
  expect_error([] { parse(kMinimal + "modle:\n  max_length: 64\n"); },
               {"cfg.yaml:7:", "unknown key 'modle'", "did you mean 'model'?"});
  // A key in the wrong section points to the right one.
  expect_error([] { parse(kMinimal + "training:\n  lowercase: true\n"); },
               {"cfg.yaml:8:", "unknown key 'training.lowercase'", "did you mean 'data.lowercase'?"});
  // Nothing close: the valid keys are listed.
  expect_error([] { parse(kMinimal + "export:\n  zzzzzzzz: 1\n"); },
               {"unknown key 'export.zzzzzzzz'", "valid keys: merged, adapter, dtype, dir"});
  expect_error([] { parse(kMinimal + "  generate:\n    presett: binary\n"); },
               {"cfg.yaml:8:", "unknown key 'data.generate.presett'", "did you mean 'preset'?"});
}

TEST(Config, WrongTypeNamesKeyLineAndExpectedForm) {
  expect_error([] { parse(kMinimal + "training:\n  learning_rate: abc\n"); },
               {"cfg.yaml:8:", "training.learning_rate: expected a number > 0, got 'abc'"});
  expect_error([] { parse(kMinimal + "training:\n  learning_rate: '2e-4'\n"); },
               {"training.learning_rate: expected a number > 0", "quoted string '2e-4'"});
  expect_error([] { parse(kMinimal + "training:\n  bf16: yes\n"); },
               {"training.bf16: expected true or false, got 'yes'"});
  expect_error([] { parse(kMinimal + "training:\n  seed: 1.5\n"); },
               {"training.seed: expected an integer >= 0, got '1.5'"});
  expect_error([] { parse(kMinimal + "training:\n  per_device_train_batch_size: [1]\n"); },
               {"training.per_device_train_batch_size", "got a list"});
  expect_error([] { parse(kMinimal + "training:\n  lr_scheduler_type: cosin\n"); },
               {"expected one of linear|cosine|constant, got 'cosin'", "did you mean 'cosine'?"});
  expect_error([] { parse(kMinimal + "  labels: benign\n"); }, {"data.labels: expected a non-empty list"});
  expect_error([] { parse("model:\n  name_or_path: [a, b]\n" + kData); },
               {"model.name_or_path: expected a string"});
  expect_error([] { parse(kMinimal + "training: 3\n"); }, {"cfg.yaml:7:", "training: expected a mapping"});
  expect_error([] { parse("- a\n- b\n"); },
               {"cfg.yaml:1:", "expected a mapping with the sections model, data"});
  expect_error([] { parse(kMinimal + "training:\n  seed: [1,\n"); }, {"cfg.yaml:", "invalid YAML"});
  expect_error([] { parse(kMinimal + "training:\n  seed: 1\n  seed: 2\n"); },
               {"cfg.yaml:9:", "duplicate key 'training.seed' (first on line 8)"});
}

TEST(Config, OutOfRange) {
  expect_error([] { parse(kModel + "  max_length: 4\n" + kData); },
               {"cfg.yaml:3:", "model.max_length: expected an integer in [8, 4096], got '4'"});
  expect_error([] { parse(kMinimal + "peft:\n  lora_dropout: 1.5\n"); },
               {"peft.lora_dropout: expected a number in [0, 1), got '1.5'"});
  expect_error([] { parse(kMinimal + "peft:\n  r: 0\n"); }, {"peft.r: expected an integer in [1, 4096]"});
  expect_error([] { parse(kMinimal + "training:\n  warmup_ratio: 2\n"); },
               {"training.warmup_ratio: expected a number in [0, 1]"});
  expect_error([] { parse(kMinimal + "training:\n  max_steps: 0\n"); },
               {"training.max_steps: expected -1 or an integer >= 1"});
  expect_error([] { parse(kMinimal + "training:\n  learning_rate: -1\n"); },
               {"training.learning_rate: expected a number > 0"});
  expect_error([] { parse(kMinimal + "training:\n  num_train_epochs: .inf\n"); },
               {"training.num_train_epochs"});
  expect_error([] { parse(kMinimal + "training:\n  class_weights: [1, -2]\n"); },
               {"training.class_weights: expected none, balanced or a list of numbers > 0"});
  expect_error([] { parse(kMinimal + "  generate:\n    preset: 4class\n    holdout_templates: 0.95\n"); },
               {"data.generate.holdout_templates: expected a number in [0, 0.9]"});
  EXPECT_EQ(parse(kMinimal + "training:\n  max_steps: -1\n").training.max_steps, -1);
  EXPECT_EQ(parse(kMinimal + "training:\n  max_steps: 10\n").training.max_steps, 10);
}

TEST(Config, OperatingPointKeys) {
  const Config plain = parse(kMinimal);
  EXPECT_FALSE(plain.export_.max_benign_fpr.has_value());
  EXPECT_EQ(plain.data.benign_label, "Benign");
  const Config c = parse(kMinimal + "  benign_label: Normal\nexport:\n  max_benign_fpr: 0.001\n");
  ASSERT_TRUE(c.export_.max_benign_fpr.has_value());
  EXPECT_EQ(*c.export_.max_benign_fpr, 0.001);
  EXPECT_EQ(c.data.benign_label, "Normal");
  EXPECT_EQ(c.where("export.max_benign_fpr"), "cfg.yaml:9");
  EXPECT_EQ(parse_config(to_yaml(c), "resolved.yaml"), c);
  EXPECT_EQ(parse_config(to_yaml(plain), "resolved.yaml"), plain);  // written as null, read back unset
  EXPECT_FALSE(parse(kMinimal + "export:\n  max_benign_fpr: null\n").export_.max_benign_fpr.has_value());
  EXPECT_EQ(*parse(kMinimal, {"export.max_benign_fpr=0.01"}).export_.max_benign_fpr, 0.01);
  for (const char* bad : {"0", "1", "1.5", "-0.1", "abc", "'0.1'"})
    expect_error([&] { parse(kMinimal + "export:\n  max_benign_fpr: " + bad + "\n"); },
                 {"cfg.yaml:8:", "export.max_benign_fpr: expected a number in (0, 1) (or null), got"});
  // A benign label the fixed label list lacks: the line of data.benign_label, else of max_benign_fpr.
  expect_error(
      [] {
        parse(kMinimal +
              "  labels: [Benign, T1134]\n  benign_label: Normal\nexport:\n  max_benign_fpr: 0.01\n");
      },
      {"cfg.yaml:8:", "data.benign_label: 'Normal' is not among data.labels (Benign, T1134)"});
  expect_error([] { parse(kMinimal + "  labels: [Clean, T1134]\nexport:\n  max_benign_fpr: 0.01\n"); },
               {"cfg.yaml:9:", "data.benign_label: 'Benign' is not among data.labels"});
  // Without an operating point the benign label is not needed.
  EXPECT_NO_THROW(parse(kMinimal + "  labels: [Clean, T1134]\n"));
  expect_error([] { parse(kMinimal + "  benign_label: ''\n"); },
               {"cfg.yaml:7:", "data.benign_label: expected a label"});
}

TEST(Config, ShippedModelCardConfigsHaveAnOperatingPoint) {
  const fs::path dir = attune::testing::source_dir() / "configs";
  for (const auto& [name, bound] :
       {std::pair{"roberta_lora_4class", 0.006}, std::pair{"deberta_lora_binary", 0.001},
        std::pair{"deberta_lora_discovery4", 0.001}, std::pair{"roberta_bitfit_binary", 0.001}}) {
    const Config c = load_config(dir / (std::string(name) + ".yaml"));
    ASSERT_TRUE(c.export_.max_benign_fpr.has_value()) << name;
    EXPECT_EQ(*c.export_.max_benign_fpr, bound) << name;
  }
  for (const char* name : {"tiny_lora", "tiny_bitfit"})
    EXPECT_FALSE(load_config(dir / (std::string(name) + ".yaml")).export_.max_benign_fpr.has_value()) << name;
}

TEST(Config, MissingRequiredKeysAreListedAtOnce) {
  expect_error([] { parse("training:\n  seed: 1\n"); },
               {"cfg.yaml: missing required keys: model.name_or_path, data.train_file, data.validation_file, "
                "data.test_file",
                "data.generate"});
  expect_error([] { parse("model:\n  random_init: {}\ndata:\n  generate: {seed: 3}\n"); },
               {"missing required keys: model.tokenizer, data.generate.preset"});
}

TEST(Config, GenerateFillsTheDataFiles) {
  const Config c = parse("model:\n  name_or_path: roberta-base\ndata:\n  generate:\n    preset: 4class\n");
  ASSERT_TRUE(c.data.generate.has_value());
  EXPECT_EQ(c.data.generate->seed, 1);
  EXPECT_EQ(c.data.generate->out_dir, "data/generated/4class");
  EXPECT_EQ(c.data.train_file, "data/generated/4class/train.csv");
  EXPECT_EQ(c.data.validation_file, "data/generated/4class/validation.csv");
  EXPECT_EQ(c.data.test_file, "data/generated/4class/test.csv");
}

TEST(Config, CrossKeyRules) {
  expect_error([] { parse(kMinimal + "peft:\n  method: bitfit\nexport:\n  adapter: true\n"); },
               {"cfg.yaml:10:", "export.adapter: expected false when peft.method is 'bitfit'"});
  EXPECT_FALSE(parse(kMinimal + "peft:\n  method: bitfit\n").export_.adapter);
  expect_error([] { parse(kModel + "  random_init: {hidden_size: 66}\n  tokenizer: tok\n" + kData); },
               {"model.random_init.hidden_size: expected a multiple of num_attention_heads (4), got 66"});
  expect_error([] { parse(kMinimal + "  labels: [a, b, a]\n"); }, {"data.labels: expected distinct labels"});
  expect_error([] { parse(kMinimal + "  labels: [a, b]\ntraining:\n  class_weights: [1, 2, 3]\n"); },
               {"training.class_weights: expected 2 weights"});
  expect_error([] { parse(kMinimal + "  label_column: text\n"); }, {"expected three different columns"});
  // greater_is_better follows the metric unless given.
  EXPECT_TRUE(parse(kMinimal + "training:\n  metric_for_best_model: f1_macro\n").training.greater_is_better);
  EXPECT_FALSE(parse(kMinimal + "training:\n  metric_for_best_model: f1_macro\n  greater_is_better: false\n")
                   .training.greater_is_better);
}

TEST(Config, TargetModulesAsListOrRegex) {
  const Config list = parse(kMinimal + "peft:\n  target_modules: [query, key, value, dense]\n");
  EXPECT_FALSE(list.peft.target_modules.regex.has_value());
  EXPECT_EQ(list.peft.target_modules.names, (std::vector<std::string>{"query", "key", "value", "dense"}));
  const Config regex = parse(kMinimal + "peft:\n  target_modules: '.*attention\\.self\\.(query|value)'\n");
  EXPECT_TRUE(regex.peft.target_modules.names.empty());
  EXPECT_EQ(regex.peft.target_modules.regex.value_or(""), ".*attention\\.self\\.(query|value)");
  EXPECT_EQ(regex, parse_config(to_yaml(regex), "cfg.yaml"));
  expect_error([] { parse(kMinimal + "peft:\n  target_modules: '(query'\n"); },
               {"peft.target_modules: expected a valid regular expression"});
  expect_error([] { parse(kMinimal + "peft:\n  target_modules: []\n"); },
               {"peft.target_modules: expected a non-empty list of module names or one regex string"});
}

TEST(Config, SetOverrides) {
  const Config c = parse(
      kMinimal + "training:\n  learning_rate: 3e-4\n",
      {"training.learning_rate=1e-4", "peft.target_modules=[query, value]", "data.lowercase=true",
       "data.generate.preset=binary", "model.random_init={num_hidden_layers: 1}", "model.tokenizer=tok"});
  EXPECT_DOUBLE_EQ(c.training.learning_rate, 1e-4);
  EXPECT_EQ(c.peft.target_modules.names, (std::vector<std::string>{"query", "value"}));
  EXPECT_TRUE(c.data.lowercase);
  ASSERT_TRUE(c.data.generate.has_value());
  EXPECT_EQ(c.data.generate->preset, "binary");
  EXPECT_EQ(c.data.train_file, "d/train.csv");  // explicit files stay
  ASSERT_TRUE(c.model.random_init.has_value());
  EXPECT_EQ(c.model.random_init->num_hidden_layers, 1);
  EXPECT_EQ(c.where("training.learning_rate"), "--set training.learning_rate=1e-4");
  // A literal override (as --output makes) is a string, whatever it looks like.
  Override literal{"training.output_dir", "true", true, "--output true"};
  EXPECT_EQ(parse_config(kMinimal, "cfg.yaml", {literal}).training.output_dir, "true");
}

TEST(Config, BadSetOverrides) {
  expect_error([] { parse(kMinimal, {"training.learnig_rate=1e-4"}); },
               {"--set training.learnig_rate=1e-4:", "unknown key 'training.learnig_rate'",
                "did you mean 'learning_rate'?"});
  expect_error([] { parse(kMinimal, {"trainig.seed=1"}); },
               {"unknown key 'trainig'", "did you mean 'training'?"});
  expect_error(
      [] { parse(kMinimal, {"training.learning_rate=abc"}); },
      {"--set training.learning_rate=abc: training.learning_rate: expected a number > 0, got 'abc'"});
  expect_error([] { parse(kMinimal, {"training.seed"}); },
               {"--set training.seed:", "expected key.path=value"});
  expect_error([] { parse(kMinimal, {"training.seed.x=1"}); },
               {"'training.seed' is a single key, not a section"});
  expect_error([] { parse(kMinimal, {"peft.target_modules=[a,"}); },
               {"--set peft.target_modules=[a,:", "YAML"});
  expect_error([] { parse(kMinimal, {"data.generate={presett: binary}"}); },
               {"--set data.generate={presett: binary}:", "unknown key 'data.generate.presett'"});
  // null via --set resets a key to its default.
  EXPECT_EQ(parse(kMinimal + "training:\n  seed: 7\n", {"training.seed=null"}).training.seed, 42);
}

TEST(Config, ResolvedConfigRoundTrips) {
  const std::string yaml = kMinimal +
                           "  labels: [benign, 'T1059', 'yes', '1.5']\n"
                           "  lowercase: true\n"
                           "  stress_file: 'd/stress: hard.csv'\n"
                           "peft:\n"
                           "  exclude_modules: classifier.*\n"
                           "  modules_to_save: [classifier]\n"
                           "  use_rslora: true\n"
                           "training:\n"
                           "  learning_rate: 0.0003\n"
                           "  adam_epsilon: 1e-7\n"
                           "  num_train_epochs: 2.5\n"
                           "  class_weights: [1, 2.25, 0.1, 3]\n"
                           "  resume_from_checkpoint: true\n"
                           "  metric_for_best_model: accuracy\n";
  const Config c = parse(yaml, {"model.random_init={model_type: deberta-v2, hidden_size: 32}",
                                "model.tokenizer=../shared/tokenizers/deberta-v3", "training.seed=7"});
  const std::string written = to_yaml(c);
  const Config back = parse_config(written, "resolved.yaml");
  EXPECT_EQ(back, c) << written;
  EXPECT_EQ(to_yaml(back), written);
  EXPECT_EQ(back.data.labels, c.data.labels);
  EXPECT_EQ(back.data.stress_file, "d/stress: hard.csv");
  EXPECT_EQ(back.training.class_weight_values, (std::vector<double>{1, 2.25, 0.1, 3}));
  EXPECT_DOUBLE_EQ(back.training.adam_epsilon, 1e-7);
  EXPECT_EQ(back.training.resume_from_checkpoint, "latest");
  EXPECT_EQ(back.training.seed, 7);
  EXPECT_EQ(back.training.output_dir, "runs/cfg");  // resolved from the first file, kept
  EXPECT_EQ(back.model.random_init->model_type, "deberta-v2");
  EXPECT_TRUE(back.training.greater_is_better);
  EXPECT_EQ(back.peft.exclude_modules.regex.value_or(""), "classifier.*");

  // Through a file, as train writes it.
  const fs::path file = attune::testing::temp_dir("resolved") / "resolved_config.yaml";
  write_resolved_config(c, file);
  EXPECT_EQ(load_config(file), c);
  // Every key of the schema is written.
  for (const auto& section : schema::key_tree().keys)
    for (const auto& key : schema::key_tree().sections.at(section).keys) {
      if (section == "pretrain") continue;  // a train config has none: written as `pretrain: null`
      EXPECT_NE(written.find("  " + key + ":"), std::string::npos) << section << "." << key;
    }
  EXPECT_NE(written.find("\npretrain: ~"), std::string::npos);
}

TEST(Config, NumbersAreWrittenShortAndExact) {
  EXPECT_EQ(schema::format_number(2e-4), "0.0002");
  EXPECT_EQ(schema::format_number(16), "16");
  EXPECT_EQ(schema::format_number(1e-8), "1.0e-08");  // a float to YAML 1.1 readers too
  EXPECT_EQ(schema::format_number(2.5e-30), "2.5e-30");
  EXPECT_EQ(std::stod(schema::format_number(0.1 + 0.2)), 0.1 + 0.2);
  EXPECT_EQ(schema::edit_distance("learnig_rate", "learning_rate"), 1u);
  EXPECT_EQ(schema::edit_distance("", "abc"), 3u);
}

TEST(Config, CheckInputFilesNamesTheKey) {
  const fs::path dir = attune::testing::temp_dir("inputs");
  for (const char* name : {"train.csv", "validation.csv"}) std::ofstream(dir / name) << "text,label\n";
  const std::string yaml =
      "model:\n  name_or_path: roberta-base\ndata:\n  train_file: " + (dir / "train.csv").string() +
      "\n  validation_file: " + (dir / "validation.csv").string() +
      "\n  test_file: " + (dir / "missing.csv").string() + "\n";
  const Config c = parse(yaml);
  expect_error([&] { check_input_files(c); }, {"cfg.yaml:6:", "data.test_file: expected an existing CSV file",
                                               "missing.csv", "no such file"});
  // Files the generator will write are not required yet.
  EXPECT_NO_THROW(
      check_input_files(parse("model:\n  name_or_path: roberta-base\ndata:\n  generate: {preset: binary, "
                              "out_dir: " +
                              (dir / "gen").string() + "}\n")));
  expect_error(
      [&] {
        check_input_files(parse(
            yaml, {"data.test_file=" + (dir / "train.csv").string(), "model.name_or_path=./no/such/model"}));
      },
      {"model.name_or_path: expected an existing model directory"});
}

TEST(Config, EveryShippedConfigValidates) {
  const fs::path dir = attune::testing::source_dir() / "configs";
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    ++count;
    Config c;
    try {
      c = load_config(entry.path());
    } catch (const InputError& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_EQ(c.training.output_dir, "runs/" + entry.path().stem().string());
    EXPECT_EQ(parse_config(to_yaml(c), "resolved.yaml"), c);
    // Every config says what it reproduces in a comment header.
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("#", 0), 0u) << "no comment header";
  }
  EXPECT_GE(count, 6u);

  const Config main = load_config(dir / "roberta_lora_4class.yaml");
  EXPECT_EQ(main.model.name_or_path, "roberta-base");
  EXPECT_EQ(main.model.fallback, "embedded");
  EXPECT_EQ(main.data.generate->preset, "4class");
  EXPECT_TRUE(main.data.lowercase);
  EXPECT_EQ(main.data.stress_file, "data/generated/4class/stress.csv");
  EXPECT_EQ(main.peft.method, "lora");
  EXPECT_EQ(main.peft.r, 8);
  EXPECT_DOUBLE_EQ(main.peft.lora_alpha, 16);
  EXPECT_DOUBLE_EQ(main.peft.lora_dropout, 0.1);
  EXPECT_EQ(main.peft.target_modules.names, (std::vector<std::string>{"query", "key", "value", "dense"}));
  EXPECT_TRUE(main.training.bf16);
  EXPECT_DOUBLE_EQ(main.training.num_train_epochs, 3);  // the 45-minute budget of README command 1 ...
  EXPECT_EQ(main.training.nproc_per_node, 0);           // ... with one rank per core
  EXPECT_EQ(main.training.per_device_train_batch_size, 32);
  EXPECT_DOUBLE_EQ(main.training.learning_rate, 5e-4);
  EXPECT_EQ(main.training.early_stopping_patience, 2);
  EXPECT_EQ(main.training.metric_for_best_model, "f1_macro");
  EXPECT_TRUE(main.training.greater_is_better);

  const Config tiny = load_config(dir / "tiny_lora.yaml");
  ASSERT_TRUE(tiny.model.random_init.has_value());
  EXPECT_EQ(tiny.model.random_init->hidden_size, 64);
  EXPECT_EQ(tiny.model.random_init->num_hidden_layers, 2);
  EXPECT_FALSE(tiny.model.tokenizer.empty());
}

TEST(Config, DataSplitWritesTheSplitsUnderTheOutputDirAndGroupRareNeedsIt) {
  const std::string split = kModel +
                            "data:\n"
                            "  split: {file: ctf.csv, train: 0.6, validation: 0.2, test: 0.2, seed: 3}\n"
                            "  group_rare: {min_count: 25}\n";
  const Config c = parse(split, {"training.output_dir=runs/ctf"});
  ASSERT_TRUE(c.data.split.has_value());
  EXPECT_DOUBLE_EQ(c.data.split->train, 0.6);
  EXPECT_EQ(c.data.split->seed, 3);
  EXPECT_EQ(c.data.split->out_dir, "runs/ctf/data");
  EXPECT_EQ(c.data.train_file, "runs/ctf/data/train.csv");
  EXPECT_EQ(c.data.test_file, "runs/ctf/data/test.csv");
  ASSERT_TRUE(c.data.group_rare.has_value());
  EXPECT_DOUBLE_EQ(c.data.group_rare->min_count, 25);
  EXPECT_EQ(c.data.group_rare->label, "Z999");
  // The defaults are 80/10/10.
  const Config d = parse(kModel + "data:\n  split: {file: ctf.csv}\n");
  EXPECT_DOUBLE_EQ(d.data.split->validation, 0.1);

  expect_error(
      [&] { parse(kModel + "data:\n  split: {file: a.csv, train: 0.6, validation: 0.2, test: 0.1}\n"); },
      {"data.split: expected train + validation + test = 1, got 0.9"});
  expect_error([&] { parse(kModel + "data:\n  split: {train: 0.8}\n"); },
               {"missing required keys: data.split.file"});
  expect_error([&] { parse(kMinimal + "  group_rare: {min_count: 5}\n"); },
               {"data.group_rare: expected data.split beside it"});
  expect_error([&] { parse(kMinimal + "  split: {file: a.csv}\n"); },
               {"data.train_file: expected none beside data.split"});
  // Beside data.generate it splits the generated all.csv (the ctf preset's).
  const Config ctf =
      parse(kModel + "data:\n  generate: {preset: ctf}\n  split: {train: 0.6, validation: 0.2, test: 0.2}\n",
            {"training.output_dir=runs/ctf"});
  EXPECT_EQ(ctf.data.split->file, "data/generated/ctf/all.csv");
  EXPECT_EQ(ctf.data.train_file, "runs/ctf/data/train.csv");
  expect_error([&] { parse(split + "  labels: [Normal, T1059]\n"); },
               {"data.labels: expected the group label 'Z999'"});
  expect_error([&] { parse(kModel + "data:\n  split: {file: a.csv}\n  group_rare: {min_count: 0}\n"); },
               {"data.group_rare.min_count"});
  // Left out or null (fuzz_config: `min_count: &0`, an anchor on an empty value), min_count stayed 0 and
  // the resolved config did not read back.
  for (const char* group : {"  group_rare: {label: Z999}\n", "  group_rare: {min_count: &0, label: Z999}\n",
                            "  group_rare: {min_count: ~}\n"})
    expect_error([&] { parse(kModel + "data:\n  split: {file: a.csv}\n" + group); },
                 {"data.group_rare.min_count: expected a number > 0"});
}

}  // namespace
}  // namespace attune::trainer

namespace attune::trainer {
namespace {

TEST(Config, ClassicModelTypesResolveTheirSectionPeftAndPrecision) {
  const Config t = parse_config("model:\n  type: tfidf_logreg\n" + kData, "configs/ctf_lr.yaml");
  ASSERT_TRUE(t.model.tfidf_logreg.has_value());
  EXPECT_EQ(t.model.tfidf_logreg->C, (std::vector<double>{0.1, 1, 10, 100}));
  EXPECT_EQ(t.model.tfidf_logreg->cv_folds, 3);
  EXPECT_FALSE(t.model.lstm.has_value());
  EXPECT_EQ(t.peft.method, "full");
  EXPECT_FALSE(t.training.bf16);
  EXPECT_FALSE(t.export_.adapter);
  EXPECT_EQ(parse_config(to_yaml(t), "resolved.yaml"), t);

  const Config l = parse_config(
      "model:\n  type: lstm\n  max_length: 20\n  lstm: {num_words: 500, units: 32}\n" + kData, "cfg.yaml");
  ASSERT_TRUE(l.model.lstm.has_value());
  EXPECT_EQ(l.model.lstm->num_words, 500);
  EXPECT_EQ(l.model.lstm->units, 32);
  EXPECT_EQ(l.model.lstm->embedding_dim, 100);
  EXPECT_EQ(parse_config(to_yaml(l), "resolved.yaml"), l);

  const Config one =
      parse_config("model:\n  type: tfidf_logreg\n  tfidf_logreg: {C: 4}\n" + kData, "cfg.yaml");
  EXPECT_EQ(one.model.tfidf_logreg->C, std::vector<double>{4});
  // A transformer config says nothing of the classic sections.
  EXPECT_FALSE(parse_config(kMinimal, "cfg.yaml").model.tfidf_logreg.has_value());
}

TEST(Config, ClassicModelTypesRejectBackboneKeysAndOtherMethods) {
  EXPECT_NE(error_of([] {
              parse_config("model:\n  type: lstm\n  name_or_path: roberta-base\n" + kData, "c.yaml");
            }).find("model.name_or_path: not used with model.type lstm"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_config("model:\n  type: tfidf_logreg\n" + kData + "peft: {method: lora}\n", "c.yaml");
            }).find("peft.method: expected full with model.type tfidf_logreg"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_config(kModel + "  lstm: {units: 8}\n" + kData, "c.yaml");
            }).find("model.lstm: expected model.type lstm beside it"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_config("model:\n  type: tfidf_logreg\n  tfidf_logreg: {C: [1, -2]}\n" + kData, "c.yaml");
            }).find("model.tfidf_logreg.C: expected a non-empty list of numbers"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("model:\n  type: svm\n" + kData, "c.yaml"); }).find("model.type"),
            std::string::npos);
}

}  // namespace
}  // namespace attune::trainer
