#include "data/label_map.h"

#include <algorithm>
#include <stdexcept>

#include "base/errors.h"

namespace attune::data {
namespace {

std::string describe(const std::vector<std::string>& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) out += (i ? ", '" : "'") + labels[i] + "'";
  return out + "}";
}

}  // namespace

LabelMap::LabelMap(std::vector<std::string> labels) : labels_(std::move(labels)) {
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    if (labels_[i].empty()) throw InputError("label " + std::to_string(i) + " is empty, expected a name");
    if (!ids_.emplace(labels_[i], static_cast<int64_t>(i)).second)
      throw InputError("label '" + labels_[i] + "' is listed twice, expected distinct labels");
  }
}

LabelMap LabelMap::from_examples(const std::vector<Example>& examples) {
  std::set<std::string> distinct;
  for (const auto& ex : examples) distinct.insert(ex.label);
  return LabelMap(std::vector<std::string>(distinct.begin(), distinct.end()));
}

LabelMap LabelMap::from_config_or_examples(const std::optional<std::vector<std::string>>& configured,
                                           const std::vector<Example>& train) {
  return configured ? LabelMap(*configured) : from_examples(train);
}

LabelMap LabelMap::from_id2label(const nlohmann::json& id2label, const std::string& origin) {
  if (!id2label.is_object())
    throw InputError(origin + ": id2label: expected an object {\"0\": label, ...}, got " + id2label.dump());
  std::vector<std::string> labels(id2label.size());
  for (const auto& [key, value] : id2label.items()) {
    std::size_t id = 0;
    const bool digits = !key.empty() && key.size() < 10 &&
                        std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                        (key == "0" || key[0] != '0');
    if (digits) id = std::stoul(key);
    if (!digits || id >= labels.size())
      throw InputError(origin + ": id2label: key '" + key + "', expected ids \"0\"..\"" +
                       std::to_string(labels.size() - 1) + "\"");
    if (!value.is_string())
      throw InputError(origin + ": id2label[\"" + key + "\"]: expected a string, got " + value.dump());
    labels[id] = value.get<std::string>();
  }
  try {
    return LabelMap(std::move(labels));
  } catch (const InputError& e) {
    throw InputError(origin + ": id2label: " + e.what());
  }
}

std::optional<int64_t> LabelMap::find(const std::string& label) const {
  const auto it = ids_.find(label);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

int64_t LabelMap::id(const std::string& label) const {
  if (const auto found = find(label)) return *found;
  throw InputError("unknown label '" + label + "', expected one of " + describe(labels_));
}

const std::string& LabelMap::label(int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= labels_.size())
    throw std::out_of_range("label id " + std::to_string(id) + " outside [0, " +
                            std::to_string(labels_.size()) + ")");
  return labels_[static_cast<std::size_t>(id)];
}

std::vector<int64_t> LabelMap::ids(const std::vector<Example>& examples, const std::string& origin) const {
  std::vector<int64_t> out;
  out.reserve(examples.size());
  for (const auto& ex : examples) {
    const auto found = find(ex.label);
    if (!found)
      throw InputError(
          at_line(origin.empty() ? "<examples>" : origin, ex.line,
                  "label '" + ex.label + "' is not in the label map, expected one of " + describe(labels_)));
    out.push_back(*found);
  }
  return out;
}

nlohmann::json LabelMap::id2label() const {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < labels_.size(); ++i) j[std::to_string(i)] = labels_[i];
  return j;
}

nlohmann::json LabelMap::label2id() const {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < labels_.size(); ++i) j[labels_[i]] = static_cast<int64_t>(i);
  return j;
}

}  // namespace attune::data
