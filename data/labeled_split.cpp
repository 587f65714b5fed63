#include "data/labeled_split.h"

#include "base/errors.h"

namespace attune::data {

void tokenize_split(Split& split, const LabelMap& labels, const Tokenizer& tokenizer, int64_t max_length) {
  std::vector<std::string> texts;
  texts.reserve(split.examples.size());
  for (const auto& e : split.examples) texts.push_back(e.text);
  split.rows.input_ids = tokenizer.encode_batch(texts, /*add_special_tokens=*/true, max_length);
  split.rows.labels = labels.ids(split.examples, split.file.string());
  split.rows.weights.clear();
  split.rows.weights.reserve(split.examples.size());
  for (const auto& e : split.examples) split.rows.weights.push_back(static_cast<float>(e.weight));
}

Split load_split(const std::string& name, const std::filesystem::path& file, const ExampleColumns& columns,
                 const LabelMap& labels, const Tokenizer& tokenizer, int64_t max_length) {
  Split split;
  split.name = name;
  split.file = file;
  split.examples = read_examples(file, columns, labels.label_set());
  if (split.examples.empty()) throw InputError(file.string() + ": no rows (expected a header and data rows)");
  tokenize_split(split, labels, tokenizer, max_length);
  return split;
}

}  // namespace attune::data
