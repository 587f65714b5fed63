// safetensors reading (memory-mapped, validated before any data is touched) and writing.
// Format: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}} plus an
// optional "__metadata__" string map, then the raw little-endian data. Never loads pickles.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attune::models {

struct TensorEntry {
  std::string dtype;           // "F32", "BF16", ... as written in the header
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

// An open, validated safetensors file. Tensors are read from the memory map on demand.
class SafetensorsFile {
 public:
  // Validates the whole header (size bound, JSON, dtypes, offsets in range, contiguous and non-overlapping,
  // byte counts) and throws InputError naming the file and the problem.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& file);
  ~SafetensorsFile();

  const std::filesystem::path& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const TensorEntry& entry(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // An owned copy (contiguous, CPU) of the named tensor in its stored dtype.
  torch::Tensor get(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  std::map<std::string, TensorEntry> entries_;
  std::map<std::string, std::string> metadata_;
  const uint8_t* data_ = nullptr;  // start of the data section in the map
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// Reads every tensor of a file (or of a sharded checkpoint via model.safetensors.index.json).
std::vector<std::pair<std::string, torch::Tensor>> load_safetensors(const std::filesystem::path& file);

// Writes tensors (any supported dtype, made contiguous) sorted by name, with `__metadata__`
// {"format":"pt"} plus `metadata`, atomically (temporary name, then rename).
void save_safetensors(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace attune::models
