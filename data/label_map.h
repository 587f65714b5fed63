// The ordered label list of a classifier and its ids: label i of the list has id i. The order comes from
// the config's `data.labels` when given, else from the sorted distinct labels of the training set (code
// point order, as Python's sorted()). Read and written as Hugging Face's `id2label` (string keys "0", "1",
// ...) and `label2id`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/csv.h"

namespace attune::data {

class LabelMap {
 public:
  LabelMap() = default;
  // Throws InputError when a label is empty or repeated.
  explicit LabelMap(std::vector<std::string> labels);

  // The sorted distinct labels of `examples`.
  static LabelMap from_examples(const std::vector<Example>& examples);
  // `configured` (data.labels) when given, else from_examples(train).
  static LabelMap from_config_or_examples(const std::optional<std::vector<std::string>>& configured,
                                          const std::vector<Example>& train);
  // From `id2label` ({"0": "a", "1": "b"}): keys must be exactly "0".."n-1". `origin` names the source
  // ("model/config.json") in errors.
  static LabelMap from_id2label(const nlohmann::json& id2label, const std::string& origin);

  std::size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const std::vector<std::string>& labels() const { return labels_; }
  std::set<std::string> label_set() const { return {labels_.begin(), labels_.end()}; }

  std::optional<int64_t> find(const std::string& label) const;
  // Throws InputError naming the label and the known labels.
  int64_t id(const std::string& label) const;
  // Throws std::out_of_range for an id outside [0, size).
  const std::string& label(int64_t id) const;
  // The id of every example's label (InputError naming file line for an unknown one; `origin` is the file).
  std::vector<int64_t> ids(const std::vector<Example>& examples, const std::string& origin = "") const;

  nlohmann::json id2label() const;  // {"0": "a", ...}
  nlohmann::json label2id() const;  // {"a": 0, ...}

  bool operator==(const LabelMap& other) const { return labels_ == other.labels_; }
  bool operator!=(const LabelMap& other) const { return !(*this == other); }

 private:
  std::vector<std::string> labels_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace attune::data
